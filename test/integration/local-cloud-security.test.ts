import { mkdtemp, readdir, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CreateAliasCommand,
  GetAliasCommand,
  GetFunctionCommand,
  InvokeCommand,
  ListAliasesCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeEchoBundle } from '../support/lambda/echo-bundle.js';
import { writeHogBundle } from '../support/lambda/hog-bundle.js';
import { type LocalCloudFixture, startLocalCloudFixture } from '../support/local-cloud.js';

/**
 * The local cloud's security controls through its real endpoints (docs/local-cloud.md, "Security of
 * the local cloud"): Host guard, S3 keys kept inside the data directory, request body ceilings,
 * refused environment variables and handlers, names that are Object.prototype's, memory ceiling.
 */
const BUCKET = 'security-test';
const ECHO = 'sec-echo';
const HOG = 'sec-hog';

interface Raw {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function raw(
  endpoint: string,
  o: {
    method?: string;
    path: string;
    host?: string;
    headers?: Record<string, string | number>;
    body?: Buffer | string;
    chunks?: number;
  },
): Promise<Raw> {
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: o.method ?? 'GET',
        path: o.path,
        headers: { host: o.host ?? url.host, ...o.headers },
        agent: false,
      },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    // The server may close while a too-large body is still being sent: expected once it answered.
    req.on('error', (err) => (answered ? undefined : reject(err)));
    if (o.chunks) {
      // `chunks` MiB, chunked unless the headers declare a length.
      const mb = Buffer.alloc(1024 * 1024, 0x20);
      let sent = 0;
      const pump = () => {
        while (!answered && sent < (o.chunks as number)) {
          sent += 1;
          if (!req.write(mb)) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
    } else req.end(o.body);
  });
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(path.join(e.parentPath, e.name));
  }
  return out;
}

describe('local cloud security', () => {
  let parent: string;
  let dataDir: string;
  let f: LocalCloudFixture;

  beforeAll(async () => {
    parent = await mkdtemp(path.join(tmpdir(), 'hm-security-'));
    dataDir = path.join(parent, 'data');
    f = await startLocalCloudFixture({ functions: 'none', rollout: false, model: false, dataDir });
    await f.clients.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const echoDir = await writeEchoBundle(path.join(parent, 'echo'));
    await f.cloud.lambda.ensureFunction({
      name: ECHO,
      bundleDir: echoDir,
      environment: { STAGE: 'one' },
      memoryMb: 128,
      timeoutSeconds: 10,
    });
    const hogDir = await writeHogBundle(path.join(parent, 'hog'));
    await f.cloud.lambda.ensureFunction({
      name: HOG,
      bundleDir: hogDir,
      environment: {},
      memoryMb: 128,
      timeoutSeconds: 20,
    });
  }, 120_000);
  afterAll(async () => {
    await f?.stop();
    await rm(parent, { recursive: true, force: true });
  });

  describe('Host guard', () => {
    it('refuses a foreign Host on the AWS port and the API port with 403', async () => {
      for (const endpoint of [f.awsEndpoint, f.apiEndpoint]) {
        const r = await raw(endpoint, { path: '/health', host: 'rebound.evil.example' });
        expect(r.status, endpoint).toBe(403);
        expect(r.body).toContain('not a loopback name');
      }
      const write = await raw(f.awsEndpoint, {
        method: 'PUT',
        path: `/2015-03-31/functions/${ECHO}/configuration`,
        host: 'attacker.example:4566',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ Description: 'rebound' }),
      });
      expect(write.status).toBe(403);
      const fn = await f.clients.lambda.send(new GetFunctionCommand({ FunctionName: ECHO }));
      expect(fn.Configuration?.Description).not.toBe('rebound');
    });

    it('serves loopback names, S3 virtual hosts included', async () => {
      await f.clients.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'vhost.txt', Body: 'hello' }));
      const port = new URL(f.awsEndpoint).port;
      const vhost = await raw(f.awsEndpoint, { path: '/vhost.txt', host: `${BUCKET}.localhost:${port}` });
      expect(vhost).toMatchObject({ status: 200, body: 'hello' });
      for (const host of [`localhost:${port}`, `127.0.0.2:${port}`, `[::1]:${port}`]) {
        expect((await raw(f.awsEndpoint, { path: `/${BUCKET}/vhost.txt`, host })).status, host).toBe(200);
      }
      expect((await raw(f.apiEndpoint, { path: '/health', host: 'localhost' })).status).toBe(200);
    });
  });

  describe('S3 keys stay inside the data directory', () => {
    const keys = [
      '../../x',
      'a/../../b',
      '%2e%2e/x',
      '..',
      './.',
      '../../../escaped',
      '.hidden/k',
      'nested/../key',
    ];

    it('PUT, GET, LIST, CopyObject and DELETE round-trip every key, and nothing lands outside', async () => {
      for (const key of keys) {
        await f.clients.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: `body of ${key}` }));
        const got = await f.clients.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
        expect(await got.Body?.transformToString(), key).toBe(`body of ${key}`);
        await f.clients.s3.send(
          new CopyObjectCommand({
            Bucket: BUCKET,
            Key: `copy/${key}`,
            CopySource: `${BUCKET}/${encodeURIComponent(key)}`,
          }),
        );
      }
      const listed = await f.clients.s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
      const names = (listed.Contents ?? []).map((o) => o.Key);
      for (const key of keys) {
        expect(names, key).toContain(key);
        expect(names, key).toContain(`copy/${key}`);
      }
      const copied = await f.clients.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'copy/../../x' }));
      expect(await copied.Body?.transformToString()).toBe('body of ../../x');
      for (const key of keys) {
        await f.clients.s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
        await f.clients.s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: `copy/${key}` }));
      }
      const after = await f.clients.s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
      expect((after.Contents ?? []).map((o) => o.Key)).toEqual(['vhost.txt']);
      const outside = (await filesUnder(parent)).filter(
        (p) =>
          !p.startsWith(`${dataDir}${path.sep}`) &&
          !p.includes(`${path.sep}echo${path.sep}`) &&
          !p.includes(`${path.sep}hog${path.sep}`),
      );
      expect(outside).toEqual([]);
    });

    it('keeps raw escaped and unescaped climbing paths inside the bucket', async () => {
      for (const p of [
        `/${BUCKET}/..%2F..%2F..%2Fescaped`,
        `/${BUCKET}/../../../escaped2`,
        '/..%2F..%2Fbucket/escaped3',
      ]) {
        await raw(f.awsEndpoint, { method: 'PUT', path: p, body: 'x', headers: { 'content-length': 1 } });
      }
      const outside = (await filesUnder(parent)).filter(
        (p) =>
          p.includes('escaped') && !p.startsWith(`${dataDir}${path.sep}s3${path.sep}${BUCKET}${path.sep}`),
      );
      expect(outside).toEqual([]);
      const listed = await f.clients.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: '../' }));
      expect((listed.Contents ?? []).map((o) => o.Key).sort()).toEqual([
        '../../../escaped',
        '../../../escaped2',
      ]);
    });
  });

  describe('request body ceilings', () => {
    it('refuses an S3 body declared beyond 128 MiB without buffering it (EntityTooLarge)', async () => {
      const r = await raw(f.awsEndpoint, {
        method: 'PUT',
        path: `/${BUCKET}/huge`,
        headers: { 'content-length': 129 * 1024 * 1024 },
        chunks: 129,
      });
      expect(r.status).toBe(400);
      expect(r.body).toContain('<Code>EntityTooLarge</Code>');
      const listed = await f.clients.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'huge' }));
      expect(listed.Contents ?? []).toEqual([]);
    });

    it('refuses a chunked Invoke body beyond 6 MB while it streams (RequestTooLargeException)', async () => {
      const r = await raw(f.awsEndpoint, {
        method: 'POST',
        path: `/2015-03-31/functions/${ECHO}/invocations`,
        headers: { 'transfer-encoding': 'chunked' },
        chunks: 64,
      });
      expect(r.status).toBe(413);
      expect(r.headers['x-amzn-errortype']).toBe('RequestTooLargeException');
    });

    it('refuses a Step Functions body beyond 2 MiB (RequestEntityTooLargeException)', async () => {
      const r = await raw(f.awsEndpoint, {
        method: 'POST',
        path: '/',
        headers: {
          'x-amz-target': 'AWSStepFunctions.ListStateMachines',
          'content-type': 'application/x-amz-json-1.0',
        },
        chunks: 3,
      });
      expect(r.status).toBe(413);
      expect(JSON.parse(r.body).__type).toBe('RequestEntityTooLargeException');
    });
  });

  describe('function configuration', () => {
    const reservedMessage = (keys: string) =>
      `Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: ${keys}`;

    it("refuses NODE_OPTIONS, LD_PRELOAD and Lambda's reserved keys with Lambda's error, and nothing runs", async () => {
      for (const [key, value] of [
        ['NODE_OPTIONS', '--import=data:text/javascript,process.exit(42)'],
        ['LD_PRELOAD', '/tmp/evil.so'],
        ['AWS_LAMBDA_FUNCTION_NAME', 'x'],
      ] as const) {
        const err = await f.clients.lambda
          .send(
            new UpdateFunctionConfigurationCommand({
              FunctionName: ECHO,
              Environment: { Variables: { STAGE: 'two', [key]: value } },
            }),
          )
          .then(
            () => undefined,
            (e: Error & { $metadata: { httpStatusCode: number } }) => e,
          );
        expect(err?.name, key).toBe('InvalidParameterValueException');
        expect(err?.$metadata.httpStatusCode).toBe(400);
        expect(err?.message).toBe(reservedMessage(key));
      }
      const out = await f.clients.lambda.send(
        new InvokeCommand({ FunctionName: ECHO, Payload: Buffer.from('{}') }),
      );
      expect(out.FunctionError).toBeUndefined();
      const env = JSON.parse(Buffer.from(out.Payload ?? []).toString()).env;
      expect(env.STAGE).toBe('one');
      expect(env.NODE_OPTIONS).toBeUndefined();
    });

    it('refuses a variable named __proto__ with the validation error', async () => {
      const body = '{"Environment":{"Variables":{"__proto__":"x"}}}';
      const r = await raw(f.awsEndpoint, {
        method: 'PUT',
        path: `/2015-03-31/functions/${ECHO}/configuration`,
        headers: { 'content-type': 'application/json', 'content-length': body.length },
        body,
      });
      expect(r.status).toBe(400);
      expect(r.headers['x-amzn-errortype']).toBe('ValidationException');
    });

    it('never imports a handler outside the code directory (Runtime.MalformedHandlerName)', async () => {
      await f.clients.lambda.send(
        new UpdateFunctionConfigurationCommand({ FunctionName: HOG, Handler: '../../../echo/index.handler' }),
      );
      await new Promise((r) => setTimeout(r, 400));
      const out = await f.clients.lambda.send(
        new InvokeCommand({ FunctionName: HOG, Payload: Buffer.from('{"mb":0}') }),
      );
      expect(out.FunctionError).toBe('Unhandled');
      expect(JSON.parse(Buffer.from(out.Payload ?? []).toString()).errorType).toBe(
        'Runtime.MalformedHandlerName',
      );
      await f.clients.lambda.send(
        new UpdateFunctionConfigurationCommand({ FunctionName: HOG, Handler: 'index.handler' }),
      );
      await new Promise((r) => setTimeout(r, 400));
      const bad = await f.clients.lambda
        .send(new UpdateFunctionConfigurationCommand({ FunctionName: HOG, Handler: 'index handler' }))
        .then(
          () => undefined,
          (e: Error) => e,
        );
      expect(bad?.name).toBe('ValidationException');
    });
  });

  describe("Object.prototype's names are names like any other", () => {
    const names = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'];

    it('GetFunction of such a name is 404, and they work as alias names', async () => {
      for (const name of names) {
        const err = await f.clients.lambda.send(new GetFunctionCommand({ FunctionName: name })).then(
          () => undefined,
          (e: Error) => e,
        );
        expect(err?.name, name).toBe('ResourceNotFoundException');
      }
      await f.clients.lambda
        .send(new UpdateFunctionConfigurationCommand({ FunctionName: ECHO, Description: 'for aliases' }))
        .catch(() => {});
      for (const name of names) {
        await f.clients.lambda.send(
          new CreateAliasCommand({ FunctionName: ECHO, Name: name, FunctionVersion: '$LATEST' }),
        );
        const alias = await f.clients.lambda.send(new GetAliasCommand({ FunctionName: ECHO, Name: name }));
        expect(alias.Name).toBe(name);
        const out = await f.clients.lambda.send(
          new InvokeCommand({ FunctionName: ECHO, Qualifier: name, Payload: Buffer.from('{}') }),
        );
        expect(out.FunctionError, name).toBeUndefined();
      }
      const listed = await f.clients.lambda.send(new ListAliasesCommand({ FunctionName: ECHO }));
      expect((listed.Aliases ?? []).map((a) => a.Name).sort()).toEqual([...names].sort());
      const restarted = await f.restart();
      f = restarted;
      const again = await f.clients.lambda.send(new ListAliasesCommand({ FunctionName: ECHO }));
      expect((again.Aliases ?? []).map((a) => a.Name).sort()).toEqual([...names].sort());
    }, 60_000);
  });

  describe('memory ceiling per execution environment', () => {
    for (const kind of ['buffer', 'heap'] as const) {
      it(`ends a function that allocates beyond its MemorySize in ${kind} memory with Runtime.OutOfMemory`, async () => {
        const out = await f.clients.lambda.send(
          new InvokeCommand({ FunctionName: HOG, Payload: Buffer.from(JSON.stringify({ mb: 400, kind })) }),
        );
        expect(out.FunctionError).toBe('Unhandled');
        const payload = JSON.parse(Buffer.from(out.Payload ?? []).toString());
        expect(payload.errorType).toBe('Runtime.OutOfMemory');
        expect(payload.errorMessage).toMatch(/Error: Runtime exited with error: signal: killed$/);
        const small = await f.clients.lambda.send(
          new InvokeCommand({ FunctionName: HOG, Payload: Buffer.from('{"mb":1}') }),
        );
        expect(small.FunctionError).toBeUndefined();
      }, 60_000);
    }
  });
});
