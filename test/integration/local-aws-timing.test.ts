import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AWS_TIMING_DEFAULTS } from '../../local-cloud/aws-timing.js';
import { FUNCTIONS } from '../../system/manifest.js';
import { type LocalCloudFixture, startLocalCloudFixture } from '../support/local-cloud.js';
import {
  assertConsistent,
  configureTraffic,
  lineage,
  live,
  load,
  recommend,
  sha256,
  uploadAndFinish,
  variant,
  weights,
} from '../support/rollout-helpers.js';

/**
 * The AWS-like timing mode end to end: metrics visible only after a delay, new versions Pending for
 * a moment, configuration updates InProgress for longer. The first start's rollout (all-at-once) and
 * a canary under load both succeed: the release step waits for Active and retries UpdateInProgress,
 * and the gates read metrics up to now − the delay the local cloud told the traffic function.
 */
let f: LocalCloudFixture;

beforeAll(async () => {
  f = await startLocalCloudFixture({ awsTiming: true });
  await configureTraffic(f, { GATE_MIN_SAMPLES: '5', GATE_PERIOD_SECONDS: '1', GATE_MAX_EXTENSIONS: '2' });
}, 240_000);
afterAll(async () => {
  await f?.stop();
});

describe('local cloud in the AWS-like timing mode', () => {
  it('tells the traffic function the metric delay it emulates, in whole seconds', async () => {
    const cfg = await f.clients.lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: FUNCTIONS.traffic.name }),
    );
    expect(cfg.Environment?.Variables?.GATE_METRIC_DELAY_SECONDS).toBe(
      String(Math.ceil(AWS_TIMING_DEFAULTS.metricDelayMs / 1000)),
    );
  });

  it('promotes a healthy canary under load', async () => {
    const before = await live(f);
    const bytes = variant(21);
    const traffic = load(f, 2);
    const started = Date.now();
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
    await assertConsistent(f, answers, [before.FunctionVersion, after.FunctionVersion]);
    expect((await recommend(f)).sha256).toBe(sha256(bytes));
    const record = await lineage(f, exec.executionArn ?? '');
    expect(record.weights.map((w) => w.weight)).toEqual([0.5, 1]);
    expect(record.gates.at(-1)?.decision).toBe('pass');
    console.log(`canary with AWS-like timing: upload → promoted in ${Date.now() - started} ms`);
  }, 90_000);
});
