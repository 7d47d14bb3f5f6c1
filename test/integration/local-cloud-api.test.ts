import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCloud } from '../../local-cloud/cloud.js';
import { LIVE_ALIAS, MODEL_BUCKET_NAME, RECOMMEND_FUNCTION_NAME } from '../../system/manifest.js';
import { awsCli, itWithAwsCli } from '../support/aws-cli.js';
import { type LocalCloudFixture, startLocalCloudFixture } from '../support/local-cloud.js';

/** The whole system from `npm start`'s point of view: bootstrap, API front, Lambda via the AWS CLI. */
let f: LocalCloudFixture;
const body = { height: 178, upper_arm: 36, forearm: 27, thigh: 59, calf: 46, torso: 60 };

beforeAll(async () => {
  f = await startLocalCloudFixture({ functions: ['recommend'], rollout: false });
});

afterAll(async () => {
  await f?.stop();
});

function post(payload: string, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  return fetch(`${f.apiEndpoint}/recommend`, { method: 'POST', body: payload, headers });
}

describe('bootstrap', () => {
  itWithAwsCli('puts a trained model live, pinned by sha256, and seeds the golden files', async () => {
    const alias = await awsCli(f, [
      'lambda',
      'get-alias',
      '--function-name',
      RECOMMEND_FUNCTION_NAME,
      '--name',
      LIVE_ALIAS,
    ]);
    expect(alias.code, alias.stderr).toBe(0);
    const version = (alias.json as { FunctionVersion: string }).FunctionVersion;
    expect(version).toMatch(/^\d+$/);

    const config = await awsCli(f, [
      'lambda',
      'get-function-configuration',
      '--function-name',
      RECOMMEND_FUNCTION_NAME,
      '--qualifier',
      LIVE_ALIAS,
    ]);
    expect(config.code, config.stderr).toBe(0);
    const env = (config.json as { Environment: { Variables: Record<string, string> } }).Environment.Variables;
    expect(env.MODEL_BUCKET).toBe(MODEL_BUCKET_NAME);
    expect(env.MODEL_KEY).toBe(`pinned/${env.MODEL_SHA256}.model`);
    expect(env.MODEL_SOURCE_KEY).toBe('car_fit_model.onnx');
    const pinned = await f.clients.s3.send(
      new GetObjectCommand({ Bucket: MODEL_BUCKET_NAME, Key: env.MODEL_KEY }),
    );
    const bytes = await (
      pinned.Body as { transformToByteArray(): Promise<Uint8Array> }
    ).transformToByteArray();
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(env.MODEL_SHA256);
    expect(String(bytes.length)).toBe(env.MODEL_SIZE);

    const versions = await awsCli(f, [
      'lambda',
      'list-versions-by-function',
      '--function-name',
      RECOMMEND_FUNCTION_NAME,
    ]);
    expect((versions.json as { Versions: { Version: string }[] }).Versions.map((v) => v.Version)).toEqual([
      '$LATEST',
      version,
    ]);

    for (const key of ['golden/golden_set.json', 'golden/seatpos.csv']) {
      await expect(
        f.clients.s3.send(new HeadObjectCommand({ Bucket: MODEL_BUCKET_NAME, Key: key })),
      ).resolves.toBeTruthy();
    }
  });

  it('GET /health says 200 with every part ready', async () => {
    const res = await fetch(`${f.apiEndpoint}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      ready: true,
      parts: { s3: 'ok', lambda: 'ok', stepFunctions: 'ok', bootstrap: 'done' },
    });
  });
});

describe('POST /recommend', () => {
  it('answers from the live version and names it in X-Executed-Version', async () => {
    const res = await post(JSON.stringify(body));
    expect(res.status).toBe(200);
    const version = res.headers.get('x-executed-version');
    expect(version).toBe(f.cloud.health().liveVersion);
    const json = (await res.json()) as { data: Record<string, number> };
    expect(json.data.seat_position).toBeGreaterThan(0);
  });

  it('passes the function’s 4xx through for a bad body', async () => {
    const res = await post('{"height": "tall"}');
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });

  it('refuses bodies over 16 KB with 413 before invoking', async () => {
    const before = f.logs.filter((l) => l.includes('START RequestId')).length;
    const res = await post(JSON.stringify({ ...body, pad: 'x'.repeat(17 * 1024) }));
    expect(res.status).toBe(413);
    expect(await res.json()).toHaveProperty('message');
    expect(f.logs.filter((l) => l.includes('START RequestId')).length).toBe(before);
  });

  it('answers unknown routes like API Gateway', async () => {
    const res = await fetch(`${f.apiEndpoint}/nope`);
    expect(res.status).toBe(403);
  });
});

describe('AWS CLI lambda invoke', () => {
  itWithAwsCli('invokes the live alias with an API Gateway event', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'hypermob-invoke-'));
    try {
      const out = path.join(dir, 'out.json');
      const event = JSON.stringify({
        resource: '/recommend',
        path: '/recommend',
        httpMethod: 'POST',
        headers: { 'content-type': 'application/json' },
        multiValueHeaders: {},
        requestContext: { stage: 'prod' },
        body: JSON.stringify(body),
        isBase64Encoded: false,
      });
      const r = await awsCli(f, [
        'lambda',
        'invoke',
        '--function-name',
        RECOMMEND_FUNCTION_NAME,
        '--qualifier',
        LIVE_ALIAS,
        '--payload',
        event,
        out,
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.json).toMatchObject({ StatusCode: 200, ExecutedVersion: f.cloud.health().liveVersion });
      const { readFile } = await import('node:fs/promises');
      expect(JSON.parse(await readFile(out, 'utf8'))).toMatchObject({ statusCode: 200 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('readiness', () => {
  it('GET /health is 503 until the bootstrap has finished', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'hypermob-health-'));
    let open = () => {};
    const gate = new Promise<void>((r) => {
      open = r;
    });
    const cloud = await startLocalCloud({
      dataDir,
      awsPort: 0,
      apiPort: 0,
      functions: 'none',
      model: false,
      rollout: false,
      bootstrapGate: gate,
    });
    try {
      const before = await fetch(`${cloud.apiEndpoint}/health`);
      expect(before.status).toBe(503);
      expect(await before.json()).toMatchObject({ ready: false });
      open();
      await cloud.ready;
      expect((await fetch(`${cloud.apiEndpoint}/health`)).status).toBe(200);
    } finally {
      await cloud.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
