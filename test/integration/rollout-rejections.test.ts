import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOISE_FLOOR_RMSE } from '../../functions/rollout/validate/thresholds.js';
import { TARGETS, type Target } from '../../functions/shared/contract.js';
import { writeLinearModel } from '../../functions/shared/model/onnx-writer.js';
import { MODEL_BUCKET_NAME } from '../../system/manifest.js';
import { type LocalCloudFixture, startLocalCloudFixture } from '../support/local-cloud.js';
import { BROKEN_MODELS, canonicalModel } from '../support/onnx-fixtures.js';
import {
  executionFor,
  finished,
  lineage,
  live,
  recommend,
  upload,
  uploadAndFinish,
  variant,
  weights,
} from '../support/rollout-helpers.js';

/**
 * Every rejection class end to end: the upload's execution FAILS with ModelRejected (or
 * BadRolloutRequest for bad metadata), a report is written, and alias live is untouched.
 */
let f: LocalCloudFixture;
let liveSha: string | undefined;

function regressedModel(): Uint8Array {
  const base = canonicalModel();
  const fit = {
    ...base.params.fit,
    intercept: base.params.fit.intercept.map((b, i) => b + 0.5 * NOISE_FLOOR_RMSE[TARGETS[i] as Target]),
  };
  return writeLinearModel({ ...base.params, fit }, { metadata: base.metadata });
}

const CASES: Record<string, () => Uint8Array> = {
  ...BROKEN_MODELS,
  regression: regressedModel,
};

beforeAll(async () => {
  f = await startLocalCloudFixture();
  // A live model with the canonical predictions, rolled out by the pipeline itself.
  const boot = await uploadAndFinish(f, 'car_fit_model.onnx', variant(41), { rollout: 'all-at-once' });
  if (boot.status !== 'SUCCEEDED') throw new Error(`bootstrap rollout failed: ${boot.error} ${boot.cause}`);
  liveSha = (await recommend(f)).sha256;
}, 240_000);
afterAll(async () => {
  await f?.stop();
});

describe('rejected models on the local cloud', () => {
  it('rejects every broken model with a report and leaves alias live alone', async () => {
    const before = await live(f);
    const started = await Promise.all(
      Object.entries(CASES).map(async ([name, build]) => {
        const key = `rejects/${name}.onnx`;
        const since = await upload(f, key, build(), { rollout: 'all-at-once' });
        return { name, arn: await executionFor(f, key, since) };
      }),
    );
    const results = await Promise.all(
      started.map(async ({ name, arn }) => ({ name, arn, exec: await finished(f, arn, 120_000) })),
    );
    for (const { name, arn, exec } of results) {
      expect({ name, status: exec.status, error: exec.error }).toEqual({
        name,
        status: 'FAILED',
        error: 'ModelRejected',
      });
      expect(exec.cause, name).toMatch(/\w/);
      const record = await lineage(f, arn);
      expect(record.outcome.status, name).toBe('rejected');
      const report = await f.clients.s3.send(
        new GetObjectCommand({ Bucket: MODEL_BUCKET_NAME, Key: record.validation?.reportKey }),
      );
      expect(JSON.parse((await report.Body?.transformToString()) ?? '{}'), name).toBeTypeOf('object');
    }
    const after = await live(f);
    expect(after.FunctionVersion).toBe(before.FunctionVersion);
    expect(weights(after)).toEqual({});
    expect(after.RevisionId).toBe(before.RevisionId);
    expect((await recommend(f)).sha256).toBe(liveSha);
  });

  it('rejects bad rollout metadata before validation', async () => {
    const before = await live(f);
    const exec = await uploadAndFinish(f, 'meta.onnx', variant(42), { rollout: 'canary', weight: '25' });
    expect(exec).toMatchObject({ status: 'FAILED', error: 'BadRolloutRequest' });
    expect(exec.cause).toMatch(/weight must be < 1/);
    expect((await live(f)).RevisionId).toBe(before.RevisionId);
  });
});
