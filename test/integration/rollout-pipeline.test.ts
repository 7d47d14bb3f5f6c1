import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODEL_BUCKET_NAME } from '../../system/manifest.js';
import { type LocalCloudFixture, startLocalCloudFixture } from '../support/local-cloud.js';
import { linearRegressorModel } from '../support/onnx-fixtures.js';
import {
  assertConsistent,
  command,
  configureTraffic,
  lineage,
  live,
  load,
  recommend,
  sha256,
  states,
  uploadAndFinish,
  variant,
  weights,
} from '../support/rollout-helpers.js';

/**
 * The rollout pipeline end to end on the local cloud: S3 upload → EventBridge rule → the real
 * state machine → the bundled validate, release and traffic functions → alias live → POST /recommend.
 * Bakes (Wait SecondsPath) are real seconds, so scenarios upload with interval=1 or 2.
 */
let f: LocalCloudFixture;

beforeAll(async () => {
  f = await startLocalCloudFixture();
  await configureTraffic(f, { GATE_MIN_SAMPLES: '5', GATE_PERIOD_SECONDS: '1', GATE_MAX_EXTENSIONS: '2' });
}, 240_000);
afterAll(async () => {
  await f?.stop();
});

describe('rollout pipeline on the local cloud', () => {
  it('all-at-once: the new model serves POST /recommend as soon as the execution succeeds', async () => {
    const bytes = variant(1);
    const before = await live(f);
    const traffic = load(f, 2);
    const started = Date.now();
    const exec = await uploadAndFinish(f, 'car_fit_model.onnx', bytes, { rollout: 'all-at-once' });
    const answers = await traffic.stop();
    expect({ status: exec.status, error: exec.error, cause: exec.cause }).toMatchObject({
      status: 'SUCCEEDED',
    });
    const elapsed = Date.now() - started;
    const alias = await live(f);
    expect(weights(alias)).toEqual({});
    expect(answers.length).toBeGreaterThan(5);
    await assertConsistent(f, answers, [before.FunctionVersion, alias.FunctionVersion]);
    const answer = await recommend(f);
    expect(answer).toMatchObject({ status: 200, sha256: sha256(bytes), version: alias.FunctionVersion });
    expect(answer.degraded).toBeUndefined();
    const record = await lineage(f, exec.executionArn ?? '');
    expect(record).toMatchObject({
      model: { bucket: MODEL_BUCKET_NAME, key: 'car_fit_model.onnx', sha256: sha256(bytes) },
      release: { version: alias.FunctionVersion, pinnedKey: `pinned/${sha256(bytes)}.model` },
      outcome: { status: 'completed' },
    });
    console.log(`all-at-once upload → live in ${elapsed} ms`);
  });

  it('canary promoted after a healthy bake under load; no failed request, every answer from a routed version', async () => {
    const before = await live(f);
    const bytes = variant(2);
    const traffic = load(f, 2);
    const exec = await uploadAndFinish(f, 'car_fit_model.onnx', bytes, {
      rollout: 'canary',
      weight: '0.5',
      interval: '1',
    });
    const answers = await traffic.stop();
    expect(exec.status, exec.cause).toBe('SUCCEEDED');
    const after = await live(f);
    expect(weights(after)).toEqual({});
    expect(after.FunctionVersion).not.toBe(before.FunctionVersion);
    expect(answers.length).toBeGreaterThan(5);
    await assertConsistent(f, answers, [before.FunctionVersion, after.FunctionVersion]);
    expect((await recommend(f)).sha256).toBe(sha256(bytes));
    const record = await lineage(f, exec.executionArn ?? '');
    expect(record.weights.map((w) => w.weight)).toEqual([0.5, 1]);
    expect(record.gates.at(-1)?.decision).toBe('pass');
  });

  it('canary rolled back on injected candidate errors', async () => {
    const before = await live(f);
    const traffic = load(f, 1);
    const uploaded = uploadAndFinish(f, 'car_fit_model.onnx', variant(3), {
      rollout: 'canary',
      weight: '0.5',
      interval: '2',
    });
    // Inject failed invocations of the candidate into the metrics the gate reads (a model that
    // passes validation and probes cannot be made to crash the handler on demand).
    const injector = setInterval(async () => {
      const a = await live(f).catch(() => undefined);
      const candidate = Object.keys(a ? weights(a) : {})[0];
      if (!candidate) return;
      for (let i = 0; i < 5; i++) {
        f.cloud.cloudwatch.recordInvocation({
          functionName: 'hypermob-recommend',
          resource: 'hypermob-recommend:live',
          executedVersion: candidate,
          error: true,
          durationMs: 3,
        });
      }
    }, 50);
    const exec = await uploaded;
    clearInterval(injector);
    await traffic.stop();
    expect(exec).toMatchObject({ status: 'FAILED', error: 'RolledBack' });
    expect(JSON.parse(exec.cause ?? '{}')).toMatchObject({ rolledBackTo: before.FunctionVersion });
    const after = await live(f);
    expect(after.FunctionVersion).toBe(before.FunctionVersion);
    expect(weights(after)).toEqual({});
    expect((await lineage(f, exec.executionArn ?? '')).outcome.status).toBe('rolled-back');
  });

  it('linear: each step baked and gated, then 100 %', async () => {
    const traffic = load(f, 2);
    const exec = await uploadAndFinish(f, 'car_fit_model.onnx', variant(4), {
      rollout: 'linear',
      step: '0.4',
      interval: '1',
    });
    await traffic.stop();
    expect(exec.status, exec.cause).toBe('SUCCEEDED');
    const record = await lineage(f, exec.executionArn ?? '');
    expect(record.weights.slice(-3).map((w) => w.weight)).toEqual([0.4, 0.8, 1]);
    expect(record.gates.filter((g) => g.decision === 'pass')).toHaveLength(2);
  });

  it('A/B held then promoted', async () => {
    const before = await live(f);
    const exec = await uploadAndFinish(f, 'car_fit_model.onnx', variant(5), { rollout: 'ab', weight: '0.3' });
    expect(exec.status).toBe('SUCCEEDED');
    expect(await states(f, exec.executionArn ?? '')).toContain('ExperimentHeld');
    const held = await live(f);
    expect(held.FunctionVersion).toBe(before.FunctionVersion);
    const [candidate, weight] = Object.entries(weights(held))[0] ?? [];
    expect(weight).toBe(0.3);
    const promoted = await command(f, { command: 'promote' });
    expect(promoted.status).toBe('SUCCEEDED');
    const after = await live(f);
    expect(after.FunctionVersion).toBe(candidate);
    expect(weights(after)).toEqual({});
    expect((await lineage(f, exec.executionArn ?? '')).outcome.status).toBe('promoted');
  });

  it('A/B aborted', async () => {
    const before = await live(f);
    await uploadAndFinish(f, 'car_fit_model.onnx', variant(6), { rollout: 'ab', weight: '0.2' });
    const aborted = await command(f, { command: 'abort' });
    expect(aborted.status).toBe('SUCCEEDED');
    const after = await live(f);
    expect(after.FunctionVersion).toBe(before.FunctionVersion);
    expect(weights(after)).toEqual({});
    const again = await command(f, { command: 'abort' });
    expect(again).toMatchObject({ status: 'FAILED', error: 'NothingToDo' });
  });

  it('rollback command: to the previous version, then to a given one', async () => {
    const current = await live(f);
    const rolled = await command(f, { command: 'rollback' });
    expect(rolled.status).toBe('SUCCEEDED');
    const after = await live(f);
    expect(after.FunctionVersion).not.toBe(current.FunctionVersion);
    const back = await command(f, { command: 'rollback', version: current.FunctionVersion ?? '' });
    expect(back.status).toBe('SUCCEEDED');
    expect((await live(f)).FunctionVersion).toBe(current.FunctionVersion);
    const missing = await command(f, { command: 'rollback', version: '999' });
    expect(missing).toMatchObject({ status: 'FAILED', error: 'BadRolloutRequest' });
  });

  it('re-upload of identical bytes publishes nothing new (Unchanged when already live)', async () => {
    const { ListVersionsByFunctionCommand } = await import('@aws-sdk/client-lambda');
    const count = async () =>
      (await f.clients.lambda.send(new ListVersionsByFunctionCommand({ FunctionName: 'hypermob-recommend' })))
        .Versions?.length;
    const versionsBefore = await count();
    const current = await live(f);
    // variant(5) was promoted from the A/B and is live again after the rollback round trip.
    expect((await recommend(f)).sha256).toBe(sha256(variant(5)));
    const same = await uploadAndFinish(f, 'copy-of-live.onnx', variant(5), { rollout: 'canary' });
    expect(same.status).toBe('SUCCEEDED');
    expect(await states(f, same.executionArn ?? '')).toContain('Unchanged');
    // variant(4) is published (linear scenario) but not live: its version is reused.
    const older = await uploadAndFinish(f, 'older.onnx', variant(4), { rollout: 'all-at-once' });
    expect(older.status).toBe('SUCCEEDED');
    expect(await count()).toBe(versionsBefore);
    expect((await live(f)).FunctionVersion).not.toBe(current.FunctionVersion);
    expect((await lineage(f, older.executionArn ?? '')).release?.reused).toBe(true);
    expect((await recommend(f)).sha256).toBe(sha256(variant(4)));
  });

  it('a scikit-learn style model (ai.onnx.ml LinearRegressor, as skl2onnx writes) rolls out and serves', async () => {
    const bytes = linearRegressorModel();
    const exec = await uploadAndFinish(f, 'sklearn/car_fit_model.onnx', bytes, { rollout: 'all-at-once' });
    expect(exec.status, exec.cause).toBe('SUCCEEDED');
    const answer = await recommend(f);
    expect(answer).toMatchObject({ status: 200, sha256: sha256(bytes) });
    expect(answer.degraded).toBeUndefined();
  });
});
