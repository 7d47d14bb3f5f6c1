import { describe, expect, it } from 'vitest';
import {
  findPublished,
  modelEnvironment,
  pinnedKeyFor,
  sameEnvironment,
  versionFingerprint,
} from '../../functions/rollout/release/model-env.js';
import { checkProbeAnswer, probeEvent } from '../../functions/rollout/release/probes.js';
import { TARGETS } from '../../functions/shared/contract.js';
import { PIPELINE_PREFIXES } from '../../statemachines/rollout-trigger.js';

const sha = 'a'.repeat(64);

describe('model environment', () => {
  it('replaces MODEL_* and keeps every other variable', () => {
    const env = modelEnvironment(
      { MODEL_BUCKET: 'old', MODEL_KEY: 'x.onnx', MODEL_VERSION_ID: 'v1', LOG_LEVEL: 'INFO' },
      { bucket: 'b', pinnedKey: pinnedKeyFor(sha), sha256: sha, size: 12, sourceKey: 'car.onnx' },
    );
    expect(env).toEqual({
      LOG_LEVEL: 'INFO',
      MODEL_BUCKET: 'b',
      MODEL_KEY: `pinned/${sha}.model`,
      MODEL_SHA256: sha,
      MODEL_SIZE: '12',
      MODEL_SOURCE_KEY: 'car.onnx',
    });
  });

  it('records the pinned copy version on a versioned bucket', () => {
    const env = modelEnvironment(
      {},
      { bucket: 'b', pinnedKey: 'k', sha256: sha, size: 1, sourceKey: 's', pinnedVersionId: 'ver' },
    );
    expect(env.MODEL_VERSION_ID).toBe('ver');
  });

  it('pins under a pipeline prefix and never under a key that could start a rollout', () => {
    const key = pinnedKeyFor(sha);
    expect(PIPELINE_PREFIXES.some((p) => key.startsWith(p))).toBe(true);
    expect(key.endsWith('.onnx')).toBe(false);
  });

  it('compares environments key by key', () => {
    expect(sameEnvironment({ a: '1', b: '2' }, { b: '2', a: '1' })).toBe(true);
    expect(sameEnvironment({ a: '1' }, { a: '1', b: '2' })).toBe(false);
  });

  it('finds the newest published version serving the same bytes with the same code and configuration', () => {
    const now = versionFingerprint({
      CodeSha256: 'code-2',
      Environment: { Variables: { LOG_LEVEL: 'INFO' } },
    });
    const versions = [
      { version: '1', sha256: sha, fingerprint: now },
      { version: '3', sha256: 'b'.repeat(64), fingerprint: now },
      { version: '10', sha256: sha.toUpperCase(), key: 'pinned/x', fingerprint: now },
      { version: '12', sha256: sha, fingerprint: 'older code' },
      { version: '$LATEST', sha256: sha, fingerprint: now },
    ];
    expect(findPublished(versions, sha, now)?.version).toBe('10');
    expect(findPublished(versions, 'c'.repeat(64), now)).toBeUndefined();
    expect(findPublished(versions, sha, 'newer code')).toBeUndefined();
  });

  it('a fingerprint covers the code and every setting but the model', () => {
    const base = {
      CodeSha256: 'c1',
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      MemorySize: 1024,
      Timeout: 10,
      Environment: { Variables: { LOG_LEVEL: 'INFO', MODEL_SHA256: 'a', MODEL_KEY: 'pinned/a.model' } },
    };
    const f = versionFingerprint(base);
    // Another model: the same fingerprint.
    expect(
      versionFingerprint({ ...base, Environment: { Variables: { LOG_LEVEL: 'INFO', MODEL_SHA256: 'b' } } }),
    ).toBe(f);
    for (const changed of [
      { CodeSha256: 'c2' },
      { MemorySize: 2048 },
      { Timeout: 20 },
      { Runtime: 'nodejs24.x' },
      { Environment: { Variables: { LOG_LEVEL: 'DEBUG', MODEL_SHA256: 'a', MODEL_KEY: 'pinned/a.model' } } },
    ]) {
      expect(versionFingerprint({ ...base, ...changed }), JSON.stringify(changed)).not.toBe(f);
    }
  });
});

const answer = (body: Record<string, unknown>, statusCode = 200) => ({
  statusCode,
  body: JSON.stringify(body),
});
const data = Object.fromEntries(TARGETS.map((t) => [t, 1]));

describe('pre-traffic probes', () => {
  it('are API Gateway proxy events with valid bodies', () => {
    const e = probeEvent(1, '7');
    expect(e).toMatchObject({ httpMethod: 'POST', path: '/recommend', isBase64Encoded: false });
    expect(JSON.parse(e.body)).toMatchObject({ height: 175 });
  });

  it('accept a healthy answer from the pinned model', () => {
    expect(
      checkProbeAnswer(answer({ status: 'success', data, model: { version: '7', sha256: sha } }), {
        sha256: sha,
        version: '7',
      }),
    ).toEqual([]);
  });

  it.each([
    [answer({ status: 'error' }, 500), /status 500/],
    [
      answer({ status: 'success', data, model: { version: '7', sha256: 'b'.repeat(64) } }),
      /expected the pinned/,
    ],
    [
      answer({
        status: 'success',
        data,
        model: { version: '7', sha256: sha },
        degraded: true,
        reason: 'no model',
      }),
      /degraded: no model/,
    ],
    [answer({ status: 'success', data: {}, model: { version: '7', sha256: sha } }), /no finite value/],
    [answer({ status: 'success', data, model: { version: '6', sha256: sha } }), /from version 6/],
    [{ statusCode: 200, body: 'nope' }, /not JSON/],
    ['garbage', /not an API Gateway proxy result/],
  ])('reject %j', (a, problem) => {
    expect(checkProbeAnswer(a, { sha256: sha, version: '7' }).join('; ')).toMatch(problem);
  });
});
