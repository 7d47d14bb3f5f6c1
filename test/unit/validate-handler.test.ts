import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CHECKS } from '../../functions/rollout/validate/checks.js';
import type { ValidationReport } from '../../functions/rollout/validate/report.js';
import { inOrder } from '../../functions/rollout/validate/run-checks.js';
import { setClients } from '../../functions/shared/aws-clients.js';
import { BROKEN_MODELS, canonicalModelBytes, permutedMetadataModel } from '../support/onnx-fixtures.js';

/**
 * The validate handler with S3 and Lambda replaced by in-memory fakes: where it reads the candidate,
 * the golden data and the live model, what report it writes, what it returns and how it rejects.
 */
const BUCKET = 'hypermob-models';
const DATA = new URL('../../functions/shared/data/', import.meta.url);

interface StoredObject {
  body: Uint8Array;
  etag: string;
  versionId?: string;
  /** Pretend size (ContentLength) for objects too big to hold in a test. */
  contentLength?: number;
}

class FakeS3 {
  objects = new Map<string, StoredObject>();
  calls: Array<{ command: string; input: Record<string, unknown> }> = [];

  put(key: string, body: Uint8Array | string, extra: Partial<StoredObject> = {}): StoredObject {
    const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
    const etag = `"${createHash('md5').update(bytes).digest('hex')}"`;
    const obj = { body: bytes, etag, ...extra };
    this.objects.set(key, obj);
    return obj;
  }

  text(key: string): string {
    const o = this.objects.get(key);
    if (!o) throw new Error(`no ${key}`);
    return new TextDecoder().decode(o.body);
  }

  async send(command: { constructor: { name: string }; input: Record<string, unknown> }): Promise<unknown> {
    const name = command.constructor.name;
    const input = command.input;
    this.calls.push({ command: name, input });
    if (input.Bucket !== BUCKET) throw Object.assign(new Error('no bucket'), { name: 'NoSuchBucket' });
    const key = input.Key as string;
    if (name === 'PutObjectCommand') {
      this.put(key, input.Body as string);
      return { ETag: this.objects.get(key)?.etag };
    }
    if (name === 'GetObjectCommand') {
      const o = this.objects.get(key);
      if (!o || (input.VersionId && input.VersionId !== o.versionId)) {
        throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' });
      }
      if (input.IfNoneMatch && input.IfNoneMatch === o.etag) {
        throw Object.assign(new Error('Not Modified'), {
          name: 'NotModified',
          $metadata: { httpStatusCode: 304 },
        });
      }
      const tooBig = o.contentLength !== undefined;
      return {
        ContentLength: o.contentLength ?? o.body.length,
        ETag: o.etag,
        VersionId: o.versionId,
        Body: {
          transformToByteArray: async () => {
            if (tooBig) throw new Error('the handler must not read an object over the size limit');
            return o.body;
          },
          transformToString: async () => new TextDecoder().decode(o.body),
          destroy: () => undefined,
        },
      };
    }
    throw new Error(`FakeS3: unexpected ${name}`);
  }
}

class FakeLambda {
  alias?: { version: string; weights?: Record<string, number> };
  env = new Map<string, Record<string, string>>();
  calls: Array<{ command: string; input: Record<string, unknown> }> = [];

  async send(command: { constructor: { name: string }; input: Record<string, unknown> }): Promise<unknown> {
    const name = command.constructor.name;
    this.calls.push({ command: name, input: command.input });
    if (name === 'GetAliasCommand') {
      if (!this.alias)
        throw Object.assign(new Error('alias not found'), { name: 'ResourceNotFoundException' });
      return {
        FunctionVersion: this.alias.version,
        RevisionId: 'rev-1',
        RoutingConfig: { AdditionalVersionWeights: this.alias.weights ?? {} },
      };
    }
    if (name === 'GetFunctionConfigurationCommand') {
      const vars = this.env.get(command.input.Qualifier as string);
      if (!vars) throw Object.assign(new Error('version not found'), { name: 'ResourceNotFoundException' });
      return { Version: command.input.Qualifier, Environment: { Variables: vars } };
    }
    throw new Error(`FakeLambda: unexpected ${name}`);
  }
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

let s3: FakeS3;
let lambda: FakeLambda;
let cacheDir: string;
const savedTmp = process.env.TMPDIR;
let handler: typeof import('../../functions/rollout/validate/handler.js').handler;
let clearGoldenCache: typeof import('../../functions/rollout/validate/golden-store.js').clearGoldenCache;

beforeAll(async () => {
  // The live model's verified copy goes to os.tmpdir(); keep it out of the machine's /tmp.
  cacheDir = mkdtempSync(join(tmpdir(), 'validate-handler-'));
  process.env.TMPDIR = cacheDir;
  process.env.LATENCY_RUNS = '2';
  ({ handler } = await import('../../functions/rollout/validate/handler.js'));
  ({ clearGoldenCache } = await import('../../functions/rollout/validate/golden-store.js'));
});

afterAll(() => {
  setClients({});
  process.env.TMPDIR = savedTmp;
  delete process.env.LATENCY_RUNS;
  rmSync(cacheDir, { recursive: true, force: true });
});

beforeEach(() => {
  s3 = new FakeS3();
  lambda = new FakeLambda();
  setClients({ s3: s3 as unknown as S3Client, lambda: lambda as unknown as LambdaClient });
  clearGoldenCache();
  s3.put('golden/golden_set.json', readFileSync(new URL('golden_set.json', DATA)));
  s3.put('golden/seatpos.csv', readFileSync(new URL('seatpos.csv', DATA)));
});

/** Publishes `bytes` as the live model: alias live → version 3 pinned to models/live.onnx. */
function makeLive(bytes: Uint8Array) {
  s3.put('models/live.onnx', bytes);
  lambda.alias = { version: '3' };
  lambda.env.set('3', { MODEL_BUCKET: BUCKET, MODEL_KEY: 'models/live.onnx', MODEL_SHA256: sha256(bytes) });
}

function report(execution: string): ValidationReport {
  return JSON.parse(s3.text(`reports/${execution}.json`)) as ValidationReport;
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('validate handler', () => {
  it('passes a good model on the first rollout, returns what release pins, and writes the report', async () => {
    const bytes = canonicalModelBytes();
    s3.put('car_fit_model.onnx', bytes);
    const out = await handler({
      bucket: BUCKET,
      key: 'car_fit_model.onnx',
      size: bytes.length,
      executionName: 'exec-1',
    });
    expect(out).toMatchObject({
      passed: true,
      bucket: BUCKET,
      key: 'car_fit_model.onnx',
      sha256: sha256(bytes),
      size: bytes.length,
      reportKey: 'reports/exec-1.json',
      summary: { liveVersion: null, sameBytesAsLive: false },
    });
    expect(out.summary.checks.non_regression).toBe('skipped');
    const r = report('exec-1');
    expect(r.passed).toBe(true);
    expect(r.model.sha256).toBe(sha256(bytes));
    expect(r.live.compared).toBe(false);
    expect(r.live.reason).toMatch(/first rollout/);
    expect(r.checks.map((c) => c.name)).toEqual(inOrder(CHECKS).map((c) => c.id));
    expect(r.goldenData.golden.rows).toBe(1000);
    expect(r.goldenData.seatpos.rows).toBe(38);
    expect(r.thresholds.maxRegression).toBe(0.05);
  });

  it('compares with the live model found through the alias and diffs the signature', async () => {
    makeLive(canonicalModelBytes());
    const bytes = permutedMetadataModel();
    s3.put('uploads/permuted.onnx', bytes, { versionId: 'v-42' });
    const out = await handler({
      bucket: BUCKET,
      key: 'uploads/permuted.onnx',
      versionId: 'v-42',
      executionName: 'exec-2',
    });
    expect(out.versionId).toBe('v-42');
    expect(out.summary.liveVersion).toBe('3');
    expect(out.summary.checks.non_regression).toBe('passed');
    const get = s3.calls.find(
      (c) => c.command === 'GetObjectCommand' && c.input.Key === 'uploads/permuted.onnx',
    );
    expect(get?.input.VersionId).toBe('v-42');
    expect(lambda.calls.find((c) => c.command === 'GetFunctionConfigurationCommand')?.input).toMatchObject({
      FunctionName: 'hypermob-recommend',
      Qualifier: '3',
    });
    const r = report('exec-2');
    expect(r.live).toMatchObject({ compared: true, version: '3', key: 'models/live.onnx' });
    expect(r.signatureDiff?.map((d) => d.path)).toContain('metadata.features');
  });

  it('rejects a model that learned nothing with ModelRejected after writing the report', async () => {
    makeLive(canonicalModelBytes());
    s3.put('bad.onnx', BROKEN_MODELS.constantMean());
    const err = await rejection(handler({ bucket: BUCKET, key: 'bad.onnx', executionName: 'exec-3' }));
    expect(err.name).toBe('ModelRejected');
    expect(err.message).toMatch(
      /^model rejected by \d checks? — accuracy: RMSE over 1\.25 × noise floor: seat_position/,
    );
    expect(err.message).toContain('non_regression: headline');
    expect(err.message).toContain('(report: s3://hypermob-models/reports/exec-3.json)');
    const r = report('exec-3');
    expect(r.passed).toBe(false);
    expect(r.failed).toEqual(['accuracy', 'non_regression', 'seatpos']);
    expect(r.cause).toBe(err.message.replace(/ \(report: .*\)$/, ''));
  });

  it('rejects an empty upload and a file that is not ONNX', async () => {
    s3.put('empty.onnx', BROKEN_MODELS.empty());
    const empty = await rejection(handler({ bucket: BUCKET, key: 'empty.onnx', executionName: 'exec-4' }));
    expect(empty.name).toBe('ModelRejected');
    expect(report('exec-4').failed).toEqual(['size', 'parses']);
    s3.put('junk.onnx', BROKEN_MODELS.randomBytes());
    const junk = await rejection(handler({ bucket: BUCKET, key: 'junk.onnx', executionName: 'exec-5' }));
    expect(junk.message).toMatch(/parses: not an ONNX/);
  });

  it('rejects an object over the size limit without reading it', async () => {
    s3.put('huge.onnx', new Uint8Array(16), { contentLength: 60 * 1024 * 1024 });
    const err = await rejection(handler({ bucket: BUCKET, key: 'huge.onnx', executionName: 'exec-6' }));
    expect(err.name).toBe('ModelRejected');
    expect(err.message).toMatch(/size: 62914560 bytes is over the 52428800-byte limit/);
    expect(report('exec-6').model.sha256).toBeUndefined();
  });

  it('rejects a vanished object and fails clearly without golden data', async () => {
    const gone = await rejection(handler({ bucket: BUCKET, key: 'gone.onnx', executionName: 'exec-7' }));
    expect(gone.name).toBe('ModelRejected');
    expect(gone.message).toMatch(/no longer exists/);
    s3.put('ok.onnx', canonicalModelBytes());
    s3.objects.delete('golden/golden_set.json');
    const noGolden = await rejection(handler({ bucket: BUCKET, key: 'ok.onnx', executionName: 'exec-8' }));
    expect(noGolden.name).toBe('GoldenSetUnavailable');
  });

  it('skips the comparison when the live model cannot be fetched, and says why', async () => {
    lambda.alias = { version: '5' };
    lambda.env.set('5', { MODEL_KEY: 'models/missing.onnx', MODEL_SHA256: 'a'.repeat(64) });
    s3.put('ok.onnx', canonicalModelBytes());
    const out = await handler({ bucket: BUCKET, key: 'ok.onnx', executionName: 'exec-9' });
    expect(out.summary.checks.non_regression).toBe('skipped');
    expect(report('exec-9').live.reason).toMatch(/live model cannot be fetched: ModelUnavailable/);
  });

  it('caches the golden data by ETag and re-reads it when it changes', async () => {
    s3.put('ok.onnx', canonicalModelBytes());
    await handler({ bucket: BUCKET, key: 'ok.onnx', executionName: 'exec-10' });
    expect(report('exec-10').goldenData.golden.cached).toBe(false);
    await handler({ bucket: BUCKET, key: 'ok.onnx', executionName: 'exec-11' });
    expect(report('exec-11').goldenData.golden.cached).toBe(true);
    const conditional = s3.calls.filter((c) => c.input.Key === 'golden/golden_set.json').at(-1);
    expect(conditional?.input.IfNoneMatch).toBe(s3.objects.get('golden/golden_set.json')?.etag);
    // A golden set of a single person: re-read (new ETag), and now accuracy cannot be judged the same way.
    const ds = JSON.parse(readFileSync(new URL('golden_set.json', DATA), 'utf8'));
    s3.put('golden/golden_set.json', JSON.stringify({ ...ds, records: ds.records.slice(0, 10) }));
    await handler({ bucket: BUCKET, key: 'ok.onnx', executionName: 'exec-12' });
    expect(report('exec-12').goldenData.golden).toMatchObject({ cached: false, rows: 10 });
  });

  it('refuses malformed input before touching S3', async () => {
    await expect(handler({ bucket: BUCKET, executionName: 'x' })).rejects.toThrow(/key/);
    await expect(handler({ bucket: BUCKET, key: 'a.onnx', executionName: 'a/b' })).rejects.toThrow(
      /execution name/,
    );
    expect(s3.calls).toEqual([]);
  });
});
