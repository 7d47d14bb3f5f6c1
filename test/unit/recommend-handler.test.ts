import { readdirSync, readFileSync } from 'node:fs';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRecommendHandler, type RecommendHandler } from '../../functions/recommend/app.js';
import { ConfigurationError, loadConfig } from '../../functions/recommend/config.js';
import { FALLBACK_KEY, type FallbackModel, trainFallback } from '../../functions/recommend/fallback.js';
import { createModelProvider } from '../../functions/recommend/model-provider.js';
import { createLogger, createMetrics } from '../../functions/recommend/telemetry.js';
import { setClients } from '../../functions/shared/aws-clients.js';
import { ACTUATOR_RANGES, TARGETS } from '../../functions/shared/contract.js';
import { ModelUnavailableError, sha256Hex } from '../../functions/shared/model-store.js';
import { apiEvent, captureStdout, FakeS3, freshTmp, VALID_BODY } from '../support/recommend-fakes.js';
import { expectedOutputs, linearModel, PROBE_ROW } from '../support/recommend-models.js';

const BUCKET = 'hypermob-models';
const MODEL_A = linearModel();
const MODEL_B = linearModel({ offset: 3 }); // same shape, every prediction 3 units higher
const SHA_A = sha256Hex(MODEL_A);
const SHA_B = sha256Hex(MODEL_B);

// Training the fallback takes ~100 ms; one per test file is enough.
let fallback: Promise<FallbackModel> | undefined;
const sharedFallback = () => {
  fallback ??= trainFallback();
  return fallback;
};

let s3: FakeS3;
let tmp: ReturnType<typeof freshTmp>;
const savedTmpdir = process.env.TMPDIR;
beforeEach(() => {
  s3 = new FakeS3();
  setClients({ s3: s3.asClient() });
  tmp = freshTmp();
  process.env.TMPDIR = tmp.dir; // os.tmpdir(): this test's /tmp
});
afterEach(() => {
  setClients({});
  tmp.cleanup();
});
afterAll(() => {
  if (savedTmpdir === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmpdir;
});

function env(key: string, sha: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    MODEL_BUCKET: BUCKET,
    MODEL_KEY: key,
    MODEL_SHA256: sha,
    AWS_LAMBDA_FUNCTION_VERSION: '7',
    ...extra,
  };
}

/** One execution environment: what handler.ts wires, with the fallback shared across tests. */
function container(e: NodeJS.ProcessEnv, opts: { retryAfterMs?: number } = {}): RecommendHandler {
  const config = loadConfig(e);
  const logger = createLogger(config.functionVersion);
  return createRecommendHandler({
    config,
    logger,
    // Every request flushed, so each test sees its EMF at once (batching has its own test).
    metrics: createMetrics(config.metricsNamespace, config.functionVersion, { flushIntervalMs: 0 }),
    provider: createModelProvider({
      location: config.model,
      fallback: sharedFallback,
      retryAfterMs: opts.retryAfterMs ?? config.retryAfterMs,
      onDegraded: (reason, error) => logger.warn('serving the fallback model', { reason, error }),
    }),
  });
}

interface Body {
  status: string;
  data?: Record<string, number>;
  user_id?: string;
  model?: { version: string; key: string; sha256: string };
  degraded?: boolean;
  reason?: string;
  clamped?: string[];
  error?: { code: string; message: string; details?: unknown };
}

async function call(h: RecommendHandler, event: APIGatewayProxyEvent = apiEvent()) {
  // Keeps logs and EMF out of the test output; tests that inspect them capture around call().
  const { result: res } = await captureStdout(() => h(event));
  return { ...res, json: JSON.parse(res.body) as Body };
}

function canonicalData(values: number[]): Record<string, number> {
  return Object.fromEntries(TARGETS.map((t, i) => [t, values[i] as number]));
}

function expectData(data: Record<string, number> | undefined, expected: number[]) {
  expect(Object.keys(data ?? {})).toEqual([...TARGETS]);
  TARGETS.forEach((t, i) => {
    expect(data?.[t]).toBeCloseTo(expected[i] as number, 2);
  });
}

describe('POST /recommend', () => {
  it('answers 200 in the documented shape with the pinned model identity', async () => {
    s3.put(BUCKET, 'car_fit_model.onnx', MODEL_A);
    const res = await call(container(env('car_fit_model.onnx', SHA_A)));
    expect(res.statusCode).toBe(200);
    expect(res.headers).toMatchObject({ 'Content-Type': 'application/json' });
    expect(Object.keys(res.json)).toEqual(['status', 'data', 'user_id', 'model']);
    expect(res.json).toMatchObject({
      status: 'success',
      user_id: 'test_user',
      model: { version: '7', key: 'car_fit_model.onnx', sha256: SHA_A },
    });
    expectData(res.json.data, expectedOutputs(PROBE_ROW));
  });

  it('omits user_id when the request has none', async () => {
    s3.put(BUCKET, 'm.onnx', MODEL_A);
    const { user_id: _u, ...anonymous } = VALID_BODY;
    const res = await call(container(env('m.onnx', SHA_A)), apiEvent(anonymous));
    expect(res.statusCode).toBe(200);
    expect(res.json).not.toHaveProperty('user_id');
  });

  const big = JSON.stringify({ ...VALID_BODY, pad: 'x'.repeat(17_000) });
  const bad: Array<[string, APIGatewayProxyEvent, number, string]> = [
    ['malformed JSON', apiEvent('{"height":175,'), 400, 'invalid_json'],
    ['a non-object body', apiEvent('[1,2,3]'), 400, 'invalid_body'],
    ['no body', apiEvent('', { body: null }), 400, 'invalid_body'],
    ['a missing field', apiEvent({ ...VALID_BODY, calf: undefined }), 400, 'missing_field'],
    ['a wrongly typed field', apiEvent({ ...VALID_BODY, thigh: '45' }), 400, 'invalid_type'],
    [
      'a non-finite number',
      apiEvent(JSON.stringify(VALID_BODY).replace('"height":175', '"height":1e400')),
      400,
      'not_finite',
    ],
    ['an implausible value', apiEvent({ ...VALID_BODY, height: 300 }), 400, 'out_of_range'],
    ['a body over 16 KB', apiEvent(big), 413, 'body_too_large'],
    ['GET', apiEvent(VALID_BODY, { httpMethod: 'GET' }), 405, 'method_not_allowed'],
    ['another path', apiEvent(VALID_BODY, { path: '/recommendations' }), 404, 'not_found'],
    ['not a proxy event', {} as APIGatewayProxyEvent, 400, 'invalid_event'],
  ];
  it.each(bad)(
    'answers %s with a 4xx naming the problem, then serves the next request',
    async (_n, event, status, code) => {
      s3.put(BUCKET, 'm.onnx', MODEL_A);
      const h = container(env('m.onnx', SHA_A));
      const { result } = await captureStdout(async () => call(h, event));
      expect(result.statusCode).toBe(status);
      expect(result.json.status).toBe('error');
      expect(result.json.error?.code).toBe(code);
      expect(result.json.error?.message.length).toBeGreaterThan(0);
      if (status === 405) expect(result.headers).toMatchObject({ Allow: 'POST' });
      const next = await call(h);
      expect(next.statusCode).toBe(200);
    },
  );

  it('names the offending field in message and details', async () => {
    s3.put(BUCKET, 'm.onnx', MODEL_A);
    const { result } = await captureStdout(() =>
      call(container(env('m.onnx', SHA_A)), apiEvent({ ...VALID_BODY, forearm: 99 })),
    );
    expect(result.json.error?.message).toContain('forearm');
    expect(result.json.error?.details).toEqual({
      fields: [expect.objectContaining({ field: 'forearm', code: 'out_of_range' })],
    });
  });

  it('accepts the path with the stage prefix and a trailing slash', async () => {
    s3.put(BUCKET, 'm.onnx', MODEL_A);
    const h = container(env('m.onnx', SHA_A));
    expect((await call(h, apiEvent(VALID_BODY, { path: '/prod/recommend' }))).statusCode).toBe(200);
    expect((await call(h, apiEvent(VALID_BODY, { path: '/recommend/' }))).statusCode).toBe(200);
  });

  it('feeds features in the model order given by its metadata', async () => {
    const features = ['calf', 'torso', 'height', 'thigh', 'upper_arm', 'forearm'];
    const targets = [...TARGETS].reverse();
    const permuted = linearModel({ features, targets });
    s3.put(BUCKET, 'p.onnx', permuted);
    const res = await call(container(env('p.onnx', sha256Hex(permuted))));
    expect(res.statusCode).toBe(200);
    expectData(res.json.data, expectedOutputs(PROBE_ROW));
  });

  it('clamps to the actuator ranges and lists what it clamped', async () => {
    const wild = linearModel({ offset: 500 });
    s3.put(BUCKET, 'w.onnx', wild);
    const res = await call(container(env('w.onnx', sha256Hex(wild))));
    expect(res.statusCode).toBe(200);
    expect(res.json.data).toEqual(canonicalData(TARGETS.map((t) => ACTUATOR_RANGES[t].max)));
    expect(res.json.clamped).toEqual([...TARGETS]);
  });

  it('concurrent first requests share one download and one session', async () => {
    s3.put(BUCKET, 'm.onnx', MODEL_A);
    s3.delayMs = 30;
    const h = container(env('m.onnx', SHA_A));
    const all = await Promise.all(Array.from({ length: 10 }, () => call(h)));
    expect(s3.gets).toBe(1);
    for (const r of all) expect(r.json.model?.sha256).toBe(SHA_A);
  });
});

describe('fallback', () => {
  it('a sha256 mismatch serves the template-trained fallback marked degraded; the bad bytes are never served', async () => {
    s3.put(BUCKET, 'car_fit_model.onnx', MODEL_B); // the configuration pins A
    const h = container(env('car_fit_model.onnx', SHA_A));
    const { result, lines } = await captureStdout(() => call(h));
    expect(result.statusCode).toBe(200);
    const fb = await sharedFallback();
    expect(result.json).toMatchObject({
      degraded: true,
      reason: 'model_integrity',
      model: { key: FALLBACK_KEY, sha256: fb.sha256 },
    });
    expect(result.json.model?.sha256).not.toBe(SHA_B);
    const bOutputs = expectedOutputs(PROBE_ROW, 3);
    expect(TARGETS.some((t, i) => Math.abs((result.json.data?.[t] ?? 0) - (bOutputs[i] as number)) > 1)).toBe(
      true,
    );
    // The fallback is a real seat-fit model: a 175 cm adult sits mid-track.
    expect(result.json.data?.seat_position).toBeGreaterThan(60);
    expect(result.json.data?.seat_position).toBeLessThan(200);
    const warn = lines.find((l) => l.message === 'serving the fallback model');
    expect(warn).toMatchObject({ level: 'WARN', reason: 'model_integrity' });
    for (const f of readdirSync(tmp.dir)) expect(sha256Hex(readFileSync(`${tmp.dir}/${f}`))).not.toBe(SHA_B);
  });

  it.each([
    ['missing', 'NoSuchKey'],
    ['denied', 'AccessDenied'],
    ['unreachable', 'TimeoutError'],
  ] as const)('S3 %s → degraded fallback', async (_n, error) => {
    s3.fail(BUCKET, 'm.onnx', error);
    const { result } = await captureStdout(() => call(container(env('m.onnx', SHA_A))));
    expect(result.statusCode).toBe(200);
    expect(result.json).toMatchObject({ degraded: true, reason: 'model_unavailable' });
  });

  it('verified bytes that break the contract → degraded fallback', async () => {
    for (const broken of [linearModel({ elemType: 'float64' }), linearModel({ offset: Number.NaN })]) {
      s3.put(BUCKET, 'x.onnx', broken);
      const { result } = await captureStdout(() => call(container(env('x.onnx', sha256Hex(broken)))));
      expect(result.json).toMatchObject({ degraded: true, reason: 'model_invalid' });
    }
  });

  it('warms the runtime up while the bytes download; a download failing meanwhile still falls back', async () => {
    const events: string[] = [];
    const provider = createModelProvider({
      location: { bucket: BUCKET, key: 'm.onnx', sha256: SHA_A },
      fallback: sharedFallback,
      fetchModel: async () => {
        events.push('fetch started');
        throw new ModelUnavailableError('simulated');
      },
      warmUp: async () => {
        events.push('warm-up started');
        await new Promise((r) => setTimeout(r, 20));
        events.push('warm-up done');
      },
    });
    const served = await provider.get();
    expect(events).toEqual(['fetch started', 'warm-up started', 'warm-up done']);
    expect(served).toMatchObject({ degraded: true, reason: 'model_unavailable' });
  });

  it('a degraded environment recovers once S3 serves the pinned bytes', async () => {
    s3.fail(BUCKET, 'm.onnx', 'AccessDenied');
    const h = container(env('m.onnx', SHA_A), { retryAfterMs: 0 });
    const { result: first } = await captureStdout(() => call(h));
    expect(first.json.degraded).toBe(true);
    s3.put(BUCKET, 'm.onnx', MODEL_A);
    await captureStdout(() => call(h)); // starts the background retry, still degraded
    await vi.waitFor(async () => {
      const res = await call(h);
      expect(res.json.degraded).toBeUndefined();
      expect(res.json.model?.sha256).toBe(SHA_A);
    });
  });
});

describe('model changes between environments (the old service bug)', () => {
  it('a new environment pinned to new bytes under the same key serves them, not the /tmp copy of the old', async () => {
    s3.put(BUCKET, 'car_fit_model.onnx', MODEL_A);
    const old = await call(container(env('car_fit_model.onnx', SHA_A)));
    expect(old.json.model?.sha256).toBe(SHA_A);

    s3.put(BUCKET, 'car_fit_model.onnx', MODEL_B);
    const next = await call(container(env('car_fit_model.onnx', SHA_B)));
    expect(next.json.model?.sha256).toBe(SHA_B);
    expect(next.json.degraded).toBeUndefined();
    expectData(next.json.data, expectedOutputs(PROBE_ROW, 3));

    // Rolling back to A in a third environment uses the still-valid /tmp copy: no download.
    const gets = s3.gets;
    const back = await call(container(env('car_fit_model.onnx', SHA_A)));
    expect(back.json.model?.sha256).toBe(SHA_A);
    expect(s3.gets).toBe(gets);
  });

  it('handler.ts reads MODEL_* from the environment of each fresh module instance', async () => {
    s3.put(BUCKET, 'car_fit_model.onnx', MODEL_A);
    const saved = { ...process.env };
    try {
      async function freshContainer(sha: string) {
        vi.resetModules();
        Object.assign(process.env, env('car_fit_model.onnx', sha));
        const clients = await import('../../functions/shared/aws-clients.js');
        clients.setClients({ s3: s3.asClient() });
        return (await import('../../functions/recommend/handler.js')).handler;
      }
      const first = await freshContainer(SHA_A);
      expect((await call(first)).json.model?.sha256).toBe(SHA_A);
      s3.put(BUCKET, 'car_fit_model.onnx', MODEL_B);
      const second = await freshContainer(SHA_B);
      const { result } = await captureStdout(() => call(second));
      expect(result.json.model?.sha256).toBe(SHA_B);
      expect(result.json.degraded).toBeUndefined();
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
    }
  });
});

describe('telemetry', () => {
  it('emits one EMF document per request: Latency always, counters when non-zero, sha256 and version dimensions', async () => {
    const wild = linearModel({ offset: 500 });
    s3.put(BUCKET, 'w.onnx', wild);
    const h = container(env('w.onnx', sha256Hex(wild)));
    const { lines } = await captureStdout(async () => {
      await call(h);
      await call(h, apiEvent('nope'));
    });
    const emf = lines.filter((l) => '_aws' in l);
    expect(emf).toHaveLength(2);
    const [ok, rejected] = emf as Array<Record<string, unknown>>;
    const meta = (
      (ok as Record<string, unknown>)._aws as {
        CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][] }>;
      }
    ).CloudWatchMetrics[0];
    expect(meta?.Namespace).toBe('Hypermob');
    expect(meta?.Dimensions[0]).toEqual(expect.arrayContaining(['ModelSha256', 'FunctionVersion']));
    expect(ok).toMatchObject({
      ModelSha256: sha256Hex(wild),
      FunctionVersion: '7',
      Clamps: 7,
    });
    expect(ok?.Latency).toBeGreaterThan(0);
    // Counters only when non-zero: Latency's SampleCount is the request count for rates.
    for (const absent of ['Errors', 'ClientErrors', 'DegradedResponses'])
      expect(ok).not.toHaveProperty(absent);
    expect(rejected).toMatchObject({ ClientErrors: 1 });
    expect(rejected?.Latency).toBeGreaterThan(0);
    expect(rejected).not.toHaveProperty('Errors');
  });

  it('batches values under load: at most one document per flush interval, stamped with its oldest value', async () => {
    let clock = 1_795_000_000_000;
    const m = createMetrics('Hypermob', '7', { flushIntervalMs: 1000, now: () => clock });
    const outcome = { modelSha256: SHA_A, latencyMs: 0.05, status: 200, clamps: 0, degraded: false };
    const { lines } = await captureStdout(async () => {
      m.publish(outcome); // first request: flushed at once
      for (let i = 0; i < 4; i++) {
        clock += 100;
        m.publish({ ...outcome, latencyMs: 0.1 * (i + 1), status: i === 3 ? 400 : 200 });
      }
      clock += 700; // 1100 ms after the last flush
      m.publish(outcome);
      clock += 10;
      m.publish({ ...outcome, degraded: true });
      m.flush();
    });
    const docs = lines.filter((l) => '_aws' in l);
    expect(docs).toHaveLength(3);
    expect(docs[0]).toMatchObject({ Latency: 0.05 });
    // Latency is recorded to the microsecond (0.1 * 3 is 0.30000000000000004).
    expect(docs[1]).toMatchObject({ Latency: [0.1, 0.2, 0.3, 0.4, 0.05], ClientErrors: 1 });
    expect(((docs[1] as Record<string, unknown>)._aws as { Timestamp: number }).Timestamp).toBe(
      1_795_000_000_100,
    );
    expect(docs[2]).toMatchObject({ Latency: 0.05, DegradedResponses: 1 });
  });

  it('calls addressed to a version number (pre-traffic probes) publish no metrics; alias calls do', async () => {
    const bytes = linearModel({ offset: 0 });
    s3.put(BUCKET, 'p.onnx', bytes);
    const h = container(env('p.onnx', sha256Hex(bytes)));
    const arn = 'arn:aws:lambda:us-east-1:123456789012:function:hypermob-recommend';
    const ctx = (qualifier: string) => ({ invokedFunctionArn: `${arn}:${qualifier}` }) as Context;
    const { lines } = await captureStdout(async () => {
      expect((await h(apiEvent(), ctx('7'))).statusCode).toBe(200);
      expect((await h(apiEvent(), ctx('live'))).statusCode).toBe(200);
    });
    expect(lines.filter((l) => '_aws' in l)).toHaveLength(1);
  });

  it('counts degraded responses', async () => {
    s3.fail(BUCKET, 'm.onnx', 'NoSuchKey');
    const { lines } = await captureStdout(() => call(container(env('m.onnx', SHA_A))));
    const fb = await sharedFallback();
    expect(lines.find((l) => '_aws' in l)).toMatchObject({ DegradedResponses: 1, ModelSha256: fb.sha256 });
  });
});

describe('configuration', () => {
  it('fails fast on a malformed pin and treats empty optional variables as unset', () => {
    expect(() => loadConfig(env('m.onnx', 'not-a-sha'))).toThrow(ConfigurationError);
    expect(() => loadConfig({ MODEL_KEY: 'm.onnx', MODEL_SHA256: SHA_A })).toThrow(/MODEL_BUCKET/);
    const c = loadConfig(env('m.onnx', SHA_A.toUpperCase(), { MODEL_VERSION_ID: '', MODEL_SIZE: '1234' }));
    expect(c.model).toEqual({ bucket: BUCKET, key: 'm.onnx', sha256: SHA_A, size: 1234 });
    expect(c.functionVersion).toBe('7');
    expect(
      loadConfig({ ...env('m.onnx', SHA_A), AWS_LAMBDA_FUNCTION_VERSION: undefined }).functionVersion,
    ).toBe('$LATEST');
  });
});
