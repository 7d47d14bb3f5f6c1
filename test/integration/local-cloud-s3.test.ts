import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksumBase64 } from '../../local-cloud/s3/checksums.js';
import { awsCli, itWithAwsCli } from '../support/aws-cli.js';
import { type LocalCloudFixture, startLocalCloudFixture } from '../support/local-cloud.js';

const BUCKET = 'local-s3-test';
let f: LocalCloudFixture;
let workDir: string;

beforeAll(async () => {
  f = await startLocalCloudFixture({ functions: 'none', model: false, rollout: false });
  workDir = await mkdtemp(path.join(tmpdir(), 'hypermob-s3-'));
  await f.clients.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

afterAll(async () => {
  await f?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function getBytes(key: string): Promise<Buffer> {
  const out = await f.clients.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(
    await (out.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
  );
}

describe('S3 through the local endpoint with default SDK settings', () => {
  it('a GET during overwrites returns one version whole, never new bytes cut to the old length', async () => {
    const key = 'race/record.json';
    const version = (n: number) => JSON.stringify({ n, pad: 'x'.repeat(n * 40) });
    await f.clients.s3.send(new PutObjectCommand({ Bucket: 'hypermob-models', Key: key, Body: version(0) }));
    let writing = true;
    const writer = (async () => {
      for (let n = 1; n <= 60; n++)
        await f.clients.s3.send(
          new PutObjectCommand({ Bucket: 'hypermob-models', Key: key, Body: version(n) }),
        );
      writing = false;
    })();
    let reads = 0;
    while (writing) {
      const out = await f.clients.s3.send(new GetObjectCommand({ Bucket: 'hypermob-models', Key: key }));
      const text = (await out.Body?.transformToString()) ?? '';
      const parsed = JSON.parse(text) as { n: number };
      expect(text).toBe(version(parsed.n));
      reads++;
    }
    await writer;
    expect(reads).toBeGreaterThan(0);
  });

  it('stores a Buffer upload byte-exact (flexible checksum header)', async () => {
    const body = randomBytes(100_000);
    await f.clients.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'small.bin', Body: body }));
    expect(sha(await getBytes('small.bin'))).toBe(sha(body));
  });

  it('stores a streamed upload byte-exact (aws-chunked with a CRC32 trailer)', async () => {
    const body = randomBytes(3 * 1024 * 1024 + 17);
    await f.clients.s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'dir/streamed.onnx',
        Body: Readable.from([body.subarray(0, 1_000_000), body.subarray(1_000_000)]),
        ContentLength: body.length,
      }),
    );
    const stored = await getBytes('dir/streamed.onnx');
    expect(stored.length).toBe(body.length);
    expect(sha(stored)).toBe(sha(body));
  });

  it.each(['CRC32C', 'SHA1', 'SHA256'] as const)(
    'verifies and strips a %s trailer on a streamed upload',
    async (algorithm) => {
      const body = randomBytes(300_000);
      await f.clients.s3.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: `algo/${algorithm}`,
          Body: Readable.from([body]),
          ContentLength: body.length,
          ChecksumAlgorithm: algorithm,
        }),
      );
      expect(sha(await getBytes(`algo/${algorithm}`))).toBe(sha(body));
    },
  );

  it('round-trips user metadata and copies objects (with and without new metadata)', async () => {
    await f.clients.s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'meta.txt',
        Body: 'hello',
        ContentType: 'text/plain',
        Metadata: { 'model-name': 'ridge', trainedby: 'ci' },
      }),
    );
    const head = await f.clients.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'meta.txt' }));
    expect(head.Metadata).toEqual({ 'model-name': 'ridge', trainedby: 'ci' });
    expect(head.ContentType).toBe('text/plain');
    expect(head.ContentLength).toBe(5);

    await f.clients.s3.send(
      new CopyObjectCommand({ Bucket: BUCKET, Key: 'copy.txt', CopySource: `${BUCKET}/meta.txt` }),
    );
    const copied = await f.clients.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'copy.txt' }));
    expect(copied.Metadata).toEqual({ 'model-name': 'ridge', trainedby: 'ci' });
    expect((await getBytes('copy.txt')).toString()).toBe('hello');

    await f.clients.s3.send(
      new CopyObjectCommand({
        Bucket: BUCKET,
        Key: 'copy2.txt',
        CopySource: `${BUCKET}/meta.txt`,
        MetadataDirective: 'REPLACE',
        Metadata: { other: 'x' },
      }),
    );
    const replaced = await f.clients.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'copy2.txt' }));
    expect(replaced.Metadata).toEqual({ other: 'x' });
  });

  it('assembles an SDK multipart upload byte-exact, keeping the metadata given at creation', async () => {
    const part1 = randomBytes(5 * 1024 * 1024);
    const part2 = randomBytes(1234);
    const { UploadId } = await f.clients.s3.send(
      new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'multi.bin', Metadata: { source: 'mpu' } }),
    );
    const etags: string[] = [];
    for (const [i, part] of [part1, part2].entries()) {
      const r = await f.clients.s3.send(
        new UploadPartCommand({ Bucket: BUCKET, Key: 'multi.bin', UploadId, PartNumber: i + 1, Body: part }),
      );
      etags.push(r.ETag as string);
    }
    await f.clients.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: BUCKET,
        Key: 'multi.bin',
        UploadId,
        MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
      }),
    );
    const stored = await getBytes('multi.bin');
    expect(sha(stored)).toBe(sha(Buffer.concat([part1, part2])));
    const head = await f.clients.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'multi.bin' }));
    expect(head.Metadata).toEqual({ source: 'mpu' });
  });

  it('refuses a corrupted aws-chunked body with an S3 XML error and stores nothing', async () => {
    const data = randomBytes(50_000);
    const crc = checksumBase64('crc32', data);
    const corrupt = Buffer.from(data);
    corrupt[100] = (corrupt[100] as number) ^ 1;
    const body = Buffer.concat([
      Buffer.from(`${corrupt.length.toString(16)}\r\n`),
      corrupt,
      Buffer.from(`\r\n0\r\nx-amz-checksum-crc32:${crc}\r\n\r\n`),
    ]);
    const res = await rawRequest('PUT', `/${BUCKET}/corrupt.bin`, body, {
      'content-encoding': 'aws-chunked',
      'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
      'x-amz-decoded-content-length': String(data.length),
      'x-amz-trailer': 'x-amz-checksum-crc32',
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatch(/<Code>BadDigest<\/Code>/);
    await expect(
      f.clients.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'corrupt.bin' })),
    ).rejects.toMatchObject({
      $metadata: { httpStatusCode: 404 },
    });
  });

  it('serves virtual-hosted-style requests (<bucket>.localhost), as an SDK without forcePathStyle sends them', async () => {
    const res = await rawRequest('GET', '/meta.txt', Buffer.alloc(0), { host: `${BUCKET}.localhost` });
    expect(res.status).toBe(200);
    expect(res.body).toBe('hello');
  });

  itWithAwsCli('works with the AWS CLI: s3 cp of 20 MB (multipart), s3 ls, s3api head-object', async () => {
    const file = path.join(workDir, 'big.bin');
    const data = randomBytes(20 * 1024 * 1024);
    await writeFile(file, data);
    const up = await awsCli(f, ['s3', 'cp', file, `s3://${BUCKET}/cli/big.bin`, '--metadata', 'origin=cli']);
    expect(up.code, up.stderr).toBe(0);
    const ls = await awsCli(f, ['s3', 'ls', `s3://${BUCKET}/cli/`]);
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stdout).toMatch(/20971520 big\.bin/);
    const head = await awsCli(f, ['s3api', 'head-object', '--bucket', BUCKET, '--key', 'cli/big.bin']);
    expect(head.code, head.stderr).toBe(0);
    expect(head.json).toMatchObject({ ContentLength: 20 * 1024 * 1024, Metadata: { origin: 'cli' } });
    const back = path.join(workDir, 'back.bin');
    const down = await awsCli(f, ['s3', 'cp', `s3://${BUCKET}/cli/big.bin`, back]);
    expect(down.code, down.stderr).toBe(0);
    expect(sha(await readFile(back))).toBe(sha(data));
  });
});

function rawRequest(method: string, p: string, body: Buffer, headers: Record<string, string>) {
  const url = new URL(f.awsEndpoint);
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path: p,
        headers: { ...headers, 'content-length': body.length },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
