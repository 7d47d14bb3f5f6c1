import { GetFunctionConfigurationCommand, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FUNCTIONS, MODEL_BUCKET_NAME } from '../../system/manifest.js';
import { type LocalCloudFixture, startLocalCloudFixture } from '../support/local-cloud.js';
import {
  appendedGraphModel,
  emptyNodesModel,
  externalDataModel,
  slowLoopModel,
  tallTailModel,
} from '../support/onnx-fixtures.js';
import {
  executionFor,
  finished,
  lineage,
  live,
  recommend,
  sleep,
  upload,
  uploadAndFinish,
  variant,
  weights,
} from '../support/rollout-helpers.js';

/**
 * The security review's models end to end on the local cloud, through the bundled validate function:
 * each upload's execution FAILS with ModelRejected, its report names the check that refused it, and
 * alias live is untouched. The 16 MB appended-graph bomb used to pass validation and crash the
 * recommend function at the pre-traffic probe.
 */
let f: LocalCloudFixture;
let liveSha: string | undefined;

/** The validate function ($LATEST, as the ASL calls it) with a short load time limit, so the slow model fails fast. */
async function configureValidate(env: Record<string, string>): Promise<void> {
  const { lambda } = f.clients;
  const name = FUNCTIONS.validate.name;
  const cfg = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
  await lambda.send(
    new UpdateFunctionConfigurationCommand({
      FunctionName: name,
      Environment: { Variables: { ...(cfg.Environment?.Variables ?? {}), ...env } },
    }),
  );
  for (let i = 0; i < 200; i++) {
    const now = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    if (now.LastUpdateStatus !== 'InProgress') return;
    await sleep(50);
  }
}

beforeAll(async () => {
  f = await startLocalCloudFixture();
  const boot = await uploadAndFinish(f, 'car_fit_model.onnx', variant(51), { rollout: 'all-at-once' });
  if (boot.status !== 'SUCCEEDED') throw new Error(`bootstrap rollout failed: ${boot.error} ${boot.cause}`);
  liveSha = (await recommend(f)).sha256;
  await configureValidate({ LOAD_TIME_LIMIT_MS: '3000' });
}, 240_000);
afterAll(async () => {
  await f?.stop();
});

const CASES: Record<string, { build: () => Uint8Array; check: string; summary: RegExp }> = {
  appendedGraphBomb: {
    build: () => appendedGraphModel(8_000_000),
    check: 'parses',
    summary: /^beyond the ONNX bounds: 2 `graph` fields .*8000008 nodes/,
  },
  emptyNodesBomb: {
    build: () => emptyNodesModel(2_000_000),
    check: 'parses',
    summary: /2000000 nodes \(limit 50000\)/,
  },
  externalData: {
    build: () => externalDataModel('/etc/passwd'),
    check: 'parses',
    summary: /keep their data outside the file/,
  },
  nanAbove210cm: {
    build: () => tallTailModel('nan'),
    check: 'input_sweep',
    summary: /rows with NaN\/Inf \(first: height 210/,
  },
  slowLoop: {
    build: () => slowLoopModel(1e12),
    check: 'loads',
    summary: /^did not finish within its 3000 ms time limit; its inference process was killed$/,
  },
};

describe('hardened validation on the local cloud', () => {
  it('rejects each attack with a report naming the check, and leaves alias live alone', async () => {
    const before = await live(f);
    const started = await Promise.all(
      Object.entries(CASES).map(async ([name, c]) => {
        const key = `hardening/${name}.onnx`;
        const since = await upload(f, key, c.build(), { rollout: 'all-at-once' });
        return { name, arn: await executionFor(f, key, since, 30_000) };
      }),
    );
    for (const { name, arn } of started) {
      const exec = await finished(f, arn, 180_000);
      expect({ name, status: exec.status, error: exec.error }).toEqual({
        name,
        status: 'FAILED',
        error: 'ModelRejected',
      });
      const record = await lineage(f, arn);
      const out = await f.clients.s3.send(
        new GetObjectCommand({ Bucket: MODEL_BUCKET_NAME, Key: record.validation?.reportKey }),
      );
      const report = JSON.parse((await out.Body?.transformToString()) ?? '{}') as {
        failed: string[];
        checks: Array<{ name: string; summary: string }>;
      };
      const c = CASES[name] as (typeof CASES)[string];
      expect(report.failed, name).toEqual([c.check]);
      expect(report.checks.find((r) => r.name === c.check)?.summary, name).toMatch(c.summary);
    }
    const after = await live(f);
    expect(after.FunctionVersion).toBe(before.FunctionVersion);
    expect(after.RevisionId).toBe(before.RevisionId);
    expect(weights(after)).toEqual({});
    expect((await recommend(f)).sha256).toBe(liveSha);
  });
});
