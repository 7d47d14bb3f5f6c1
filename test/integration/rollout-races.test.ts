import { execFile } from 'node:child_process';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeEvent } from '../../functions/rollout/release/probes.js';
import { RECOMMEND_FUNCTION_NAME } from '../../system/manifest.js';
import { type LocalCloudFixture, REPO_ROOT, startLocalCloudFixture } from '../support/local-cloud.js';
import {
  configureTraffic,
  executionFor,
  finished,
  lineage,
  live,
  recommend,
  sha256,
  upload,
  uploadAndFinish,
  variant,
  weights,
} from '../support/rollout-helpers.js';

/** Concurrency on the local cloud: the newest upload wins; a published version never changes. */
let f: LocalCloudFixture;

beforeAll(async () => {
  f = await startLocalCloudFixture();
  await configureTraffic(f, { GATE_MIN_SAMPLES: '5', GATE_PERIOD_SECONDS: '1' });
}, 240_000);
afterAll(async () => {
  await f?.stop();
});

async function servedBy(version: string): Promise<string | undefined> {
  const out = await f.clients.lambda.send(
    new InvokeCommand({
      FunctionName: RECOMMEND_FUNCTION_NAME,
      Qualifier: version,
      Payload: new TextEncoder().encode(JSON.stringify(probeEvent(0, version))),
    }),
  );
  const result = JSON.parse(new TextDecoder().decode(out.Payload)) as { body: string };
  return (JSON.parse(result.body) as { model?: { sha256?: string } }).model?.sha256;
}

describe('rollout concurrency on the local cloud', () => {
  it('two uploads in quick succession: the newer one wins, the older one never shifts after it', async () => {
    const first = variant(21);
    const second = variant(22);
    const t1 = await upload(f, 'a/first.onnx', first, { rollout: 'canary', weight: '0.5', interval: '3' });
    const t2 = await upload(f, 'b/second.onnx', second, { rollout: 'all-at-once' });
    const [e1, e2] = await Promise.all([
      executionFor(f, 'a/first.onnx', t1),
      executionFor(f, 'b/second.onnx', t2),
    ]);
    const [r1, r2] = await Promise.all([finished(f, e1), finished(f, e2)]);
    expect(r2.status).toBe('SUCCEEDED');
    // The older one was stopped by the newer one, or gave way itself if it arrived at Supersede later.
    expect(['ABORTED', 'FAILED']).toContain(r1.status);
    if (r1.status === 'FAILED') expect(r1.error).toBe('Superseded');
    const alias = await live(f);
    expect(weights(alias)).toEqual({});
    expect((await recommend(f)).sha256).toBe(sha256(second));
    expect((await lineage(f, e1)).outcome.status).toBe('superseded');
  });

  it('overwrite of a key that is already live: the new bytes roll out, the old version still serves the old bytes', async () => {
    const v1 = variant(31);
    const v2 = variant(32);
    const a = await uploadAndFinish(f, 'car_fit_model.onnx', v1, { rollout: 'all-at-once' });
    expect(a.status).toBe('SUCCEEDED');
    const oldVersion = (await live(f)).FunctionVersion ?? '';
    const b = await uploadAndFinish(f, 'car_fit_model.onnx', v2, { rollout: 'all-at-once' });
    expect(b.status).toBe('SUCCEEDED');
    const newVersion = (await live(f)).FunctionVersion ?? '';
    expect(newVersion).not.toBe(oldVersion);
    expect((await recommend(f)).sha256).toBe(sha256(v2));
    // The overwritten key no longer holds v1, but the version pinned to it still serves exactly v1.
    expect(await servedBy(oldVersion)).toBe(sha256(v1));
    expect(await servedBy(newVersion)).toBe(sha256(v2));
  });

  it('hypermob rollout <command> (the old spelling) starts a command execution and reports its outcome', async () => {
    const cli = (...args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          ['--import', 'tsx', 'scripts/cli.ts', 'rollout', ...args],
          { cwd: REPO_ROOT, env: f.env, timeout: 60_000 },
          (err, stdout, stderr) =>
            resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
      });
    const nothing = await cli('abort');
    expect(nothing.code).toBe(6); // docs/operator.md: nothing to do
    expect(`${nothing.stdout}${nothing.stderr}`).toMatch(/nothing to abort/i);
    expect(nothing.stderr).toMatch(/hypermob abort/); // the pointer to the new spelling
    const before = (await live(f)).FunctionVersion;
    // Runs after the scenarios above, so live has a recorded previous version.
    const back = await cli('rollback');
    expect(back.code).toBe(0);
    expect((await live(f)).FunctionVersion).not.toBe(before);
  });
});
