import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCloudFixture, startLocalCloudFixture } from '../support/local-cloud.js';
import { nanAtHeightModel } from '../support/onnx-fixtures.js';
import {
  configureTraffic,
  lineage,
  live,
  load,
  recommend,
  uploadAndFinish,
  variant,
  weights,
} from '../support/rollout-helpers.js';

/**
 * A candidate whose failures Lambda never counts: its model passes validation and the pre-traffic
 * probes but yields NaN for one height (outside the golden set, seatpos and probe bodies), for
 * which the recommend function answers 500 inference_failed — a handled error, published only in
 * its EMF metrics. The local cloud extracts those from stdout as CloudWatch Logs does, and the
 * gate must roll the canary back on them.
 */
const TRIGGER_HEIGHT = 210.5;
const TALL_BODY = { height: TRIGGER_HEIGHT, upper_arm: 36, forearm: 29, thigh: 50, calf: 43, torso: 66 };

let f: LocalCloudFixture;

beforeAll(async () => {
  f = await startLocalCloudFixture();
  await configureTraffic(f, { GATE_MIN_SAMPLES: '5', GATE_PERIOD_SECONDS: '1', GATE_MAX_EXTENSIONS: '2' });
  const boot = await uploadAndFinish(f, 'car_fit_model.onnx', variant(51), { rollout: 'all-at-once' });
  if (boot.status !== 'SUCCEEDED') throw new Error(`bootstrap rollout failed: ${boot.error} ${boot.cause}`);
}, 240_000);
afterAll(async () => {
  await f?.stop();
});

describe('health gate on handled failures (local cloud)', () => {
  it('rolls back a canary whose candidate answers 500 inference_failed, naming the handled errors', async () => {
    const before = await live(f);
    expect((await recommend(f, TALL_BODY)).status).toBe(200);
    const traffic = load(f, 1, TALL_BODY);
    const exec = await uploadAndFinish(f, 'car_fit_model.onnx', nanAtHeightModel(TRIGGER_HEIGHT), {
      rollout: 'canary',
      weight: '0.5',
      interval: '2',
    });
    const answers = await traffic.stop();

    expect({ status: exec.status, error: exec.error }).toEqual({ status: 'FAILED', error: 'RolledBack' });
    const cause = JSON.parse(exec.cause ?? '{}') as { rolledBackTo?: string; gate?: string[] };
    expect(cause.rolledBackTo).toBe(before.FunctionVersion);
    expect(cause.gate?.join()).toMatch(/handled errors/);
    const after = await live(f);
    expect(after.FunctionVersion).toBe(before.FunctionVersion);
    expect(weights(after)).toEqual({});

    // The candidate did answer 500s, and Lambda counted none of them as Errors.
    const candidateFailures = answers.filter((a) => a.status === 500);
    expect(candidateFailures.length).toBeGreaterThan(0);
    const record = await lineage(f, exec.executionArn ?? '');
    expect(record.outcome.status).toBe('rolled-back');
    const gate = record.gates.at(-1);
    expect(gate?.decision).toBe('rollback');
    const evidence = gate?.evidence as {
      candidate: { errors: number; invocations: number; app: { errors: number; requests: number } | null };
    };
    expect(evidence.candidate.errors).toBe(0);
    expect(evidence.candidate.app?.errors).toBeGreaterThan(0);
    console.log(
      `handled-failure canary: ${candidateFailures.length} 500s of ${answers.length} answers; gate saw ` +
        `${evidence.candidate.app?.errors} handled errors in ${evidence.candidate.app?.requests} requests ` +
        `(${evidence.candidate.invocations} Lambda invocations, 0 Lambda errors)`,
    );
  });

  it('without app metrics (another namespace: an older function version) the gate falls back to Lambda’s and cannot see them', async () => {
    // The control experiment: the same kind of candidate passes on Lambda's metrics alone.
    await configureTraffic(f, { GATE_APP_NAMESPACE: 'NoSuchNamespace' });
    try {
      const traffic = load(f, 1, TALL_BODY);
      const exec = await uploadAndFinish(f, 'car_fit_model.onnx', nanAtHeightModel(TRIGGER_HEIGHT + 0.25), {
        rollout: 'canary',
        weight: '0.5',
        interval: '2',
      });
      await traffic.stop();
      expect({ status: exec.status, error: exec.error }).toMatchObject({ status: 'SUCCEEDED' });
      const gate = (await lineage(f, exec.executionArn ?? '')).gates.at(-1);
      expect(gate?.evidence).toMatchObject({ candidate: { errors: 0, app: null } });
    } finally {
      await configureTraffic(f, { GATE_APP_NAMESPACE: '' });
    }
  });
});
