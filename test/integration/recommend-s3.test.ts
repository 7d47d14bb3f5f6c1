import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RecommendHandler } from '../../functions/recommend/app.js';
import { TARGETS } from '../../functions/shared/contract.js';
import { parseDataset } from '../../functions/shared/dataset.js';
import { type TrainedModel, trainModel } from '../../functions/shared/model/trainer.js';
import { cacheFilePath, sha256Hex } from '../../functions/shared/model-store.js';
import { apiEvent, captureStdout, VALID_BODY } from '../support/recommend-fakes.js';
import { PROBE_ROW } from '../support/recommend-models.js';

/**
 * The recommend function against a real S3 API (s3rver on loopback): upload a trained model, cold
 * start a fresh handler module with MODEL_* pinned to it, let it download, verify and serve.
 */
const require = createRequire(import.meta.url);
// biome-ignore lint/suspicious/noExplicitAny: s3rver ships no types.
const S3rver = require('s3rver') as any;

const BUCKET = 'hypermob-models';
const root = mkdtempSync(join(tmpdir(), 'hypermob-recommend-s3-'));
const savedEnv = { ...process.env };
// biome-ignore lint/suspicious/noExplicitAny: s3rver ships no types.
let server: any;
let endpoint: string;
let uploader: S3Client;
let model: TrainedModel;
let other: TrainedModel;

beforeAll(async () => {
  server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: join(root, 's3'),
    configureBuckets: [{ name: BUCKET }],
  });
  const { port } = (await server.run()) as AddressInfo;
  endpoint = `http://127.0.0.1:${port}`;
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  // s3rver stores aws-chunked (default flexible checksum) uploads verbatim, framing included.
  uploader = new S3Client({
    endpoint,
    region: 'eu-central-1',
    credentials,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const template = parseDataset(
    JSON.parse(
      readFileSync(new URL('../../functions/recommend/json_template.json', import.meta.url), 'utf8'),
    ),
  );
  model = trainModel(template, { modelName: 'integration', trainedAt: '2026-01-01T00:00:00.000Z' });
  other = trainModel(template, {
    modelName: 'integration',
    trainedAt: '2026-01-01T00:00:00.000Z',
    kind: 'ridge',
  });
});

afterAll(async () => {
  uploader?.destroy();
  await new Promise((r) => server?.close(r));
  rmSync(root, { recursive: true, force: true });
  for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
  Object.assign(process.env, savedEnv);
});

let envTmp: string;
beforeEach(() => {
  envTmp = mkdtempSync(join(root, 'env-tmp-'));
});

/** A new Lambda environment: fresh module state, its own /tmp, the function's env, the SDK's default client. */
async function coldStart(env: Record<string, string>): Promise<RecommendHandler> {
  vi.resetModules();
  for (const k of Object.keys(process.env)) if (k.startsWith('MODEL_')) delete process.env[k];
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_S3: endpoint,
    AWS_REGION: 'eu-central-1',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_MAX_ATTEMPTS: '1',
    AWS_LAMBDA_FUNCTION_VERSION: '3',
    TMPDIR: envTmp,
    ...env,
  });
  return (await import('../../functions/recommend/handler.js')).handler;
}

async function put(key: string, bytes: Uint8Array) {
  await uploader.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: bytes }));
}

async function invoke(h: RecommendHandler) {
  const { result, lines } = await captureStdout(() => h(apiEvent(VALID_BODY)));
  return { status: result.statusCode, body: JSON.parse(result.body), lines };
}

describe('recommend against s3rver', () => {
  it('downloads, verifies, caches and serves the uploaded model', async () => {
    await put('models/car_fit_model.onnx', model.onnx);
    const sha = sha256Hex(model.onnx);
    // The model loads during init (handler.ts's top-level await), so its log line comes from the import.
    const { result: h, lines: init } = await captureStdout(() =>
      coldStart({
        MODEL_BUCKET: BUCKET,
        MODEL_KEY: 'models/car_fit_model.onnx',
        MODEL_SHA256: sha,
        MODEL_SIZE: String(model.onnx.length),
      }),
    );
    const first = await invoke(h);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      status: 'success',
      model: { version: '3', key: 'models/car_fit_model.onnx', sha256: sha },
    });
    expect(first.body.degraded).toBeUndefined();
    const expected = model.predict([PROBE_ROW])[0] as number[];
    TARGETS.forEach((t, i) => {
      expect(first.body.data[t]).toBeCloseTo(expected[i] as number, 2);
    });
    expect(init.find((l) => l.message === 'model loaded')).toMatchObject({
      source: 's3',
      sha256: sha,
    });
    expect(readFileSync(cacheFilePath(sha, envTmp))).toEqual(Buffer.from(model.onnx));

    const warm = await invoke(h);
    expect(warm.body.model.sha256).toBe(sha);
    expect(warm.lines.find((l) => l.message === 'model loaded')).toBeUndefined();
  });

  it('a new version pinned to new bytes under the same key serves them, reusing nothing stale from /tmp', async () => {
    await put('car_fit_model.onnx', model.onnx);
    const h1 = await coldStart({
      MODEL_BUCKET: BUCKET,
      MODEL_KEY: 'car_fit_model.onnx',
      MODEL_SHA256: sha256Hex(model.onnx),
    });
    expect((await invoke(h1)).body.model.sha256).toBe(sha256Hex(model.onnx));

    await put('car_fit_model.onnx', other.onnx);
    const h2 = await coldStart({
      MODEL_BUCKET: BUCKET,
      MODEL_KEY: 'car_fit_model.onnx',
      MODEL_SHA256: sha256Hex(other.onnx),
    });
    const res = await invoke(h2);
    expect(res.body.model.sha256).toBe(sha256Hex(other.onnx));
    expect(res.body.degraded).toBeUndefined();
  });

  it('bytes that do not match MODEL_SHA256 are refused: degraded fallback, nothing cached', async () => {
    await put('tampered.onnx', other.onnx);
    const { result: h, lines: init } = await captureStdout(() =>
      coldStart({
        MODEL_BUCKET: BUCKET,
        MODEL_KEY: 'tampered.onnx',
        MODEL_SHA256: sha256Hex(model.onnx),
      }),
    );
    const res = await invoke(h);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      degraded: true,
      reason: 'model_integrity',
      model: { key: 'fallback:json_template.json' },
    });
    expect(init.find((l) => l.message === 'serving the fallback model')).toMatchObject({
      level: 'WARN',
    });
    expect(existsSync(cacheFilePath(sha256Hex(other.onnx), envTmp))).toBe(false);
    expect(existsSync(cacheFilePath(sha256Hex(model.onnx), envTmp))).toBe(false);
  });

  it('a missing object → degraded fallback with reason model_unavailable', async () => {
    const h = await coldStart({
      MODEL_BUCKET: BUCKET,
      MODEL_KEY: 'nope.onnx',
      MODEL_SHA256: sha256Hex(model.onnx),
    });
    const res = await invoke(h);
    expect(res.body).toMatchObject({ degraded: true, reason: 'model_unavailable' });
  });
});
