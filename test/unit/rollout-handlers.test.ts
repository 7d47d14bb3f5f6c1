import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { settledConfiguration } from '../../functions/rollout/release/function-config.js';
import { pinModel } from '../../functions/rollout/release/pin.js';
import { releaseStep } from '../../functions/rollout/release/release-step.js';
import { translateLambdaError } from '../../functions/rollout/shared/aws-errors.js';
import { readLineage } from '../../functions/rollout/shared/lineage-store.js';
import { readLive, writeLive } from '../../functions/rollout/shared/live-alias.js';
import type { Plan } from '../../functions/rollout/shared/state.js';
import { parseTrafficConfig } from '../../functions/rollout/traffic/config.js';
import { stateMachineArnOf } from '../../functions/rollout/traffic/context.js';
import { gateStep } from '../../functions/rollout/traffic/gate-step.js';
import { alignWindow } from '../../functions/rollout/traffic/metrics.js';
import { planStep } from '../../functions/rollout/traffic/plan-step.js';
import { bakeWaitSeconds } from '../../functions/rollout/traffic/shift-step.js';
import { setClients } from '../../functions/shared/aws-clients.js';
import { UNPINNED_MODEL } from '../../system/manifest.js';
import { FakeAws, PERMISSIVE_LIMITS } from '../support/rollout-fake-aws.js';

/** Handler steps with mocked clients (rollout-fake-aws.ts): the edges the ASL scenarios do not reach. */
const BUCKET = 'hypermob-models';
let aws: FakeAws;
beforeEach(() => {
  aws = new FakeAws();
  aws.install();
});
afterEach(() => setClients({}));

const execution = {
  name: 'e1',
  arn: 'arn:aws:states:us-east-1:1:execution:hypermob-model-rollout:e1',
  startTime: '2026-11-27T06:00:00.000Z',
};
const event = (key: string, size = 3) => ({
  detail: { bucket: { name: BUCKET }, object: { key, size, etag: 'abc' } },
});

describe('metric delay (metrics reach CloudWatch minutes after the call)', () => {
  const delayed = parseTrafficConfig({ GATE_METRIC_DELAY_SECONDS: '180', GATE_PERIOD_SECONDS: '60' });

  it('bakes the interval plus the delay, and never less than twice the delay', () => {
    expect(bakeWaitSeconds(300, 180)).toBe(480);
    expect(bakeWaitSeconds(0, 180)).toBe(360);
    expect(bakeWaitSeconds(10, 0)).toBe(10);
  });

  it('the gate reads its window up to now minus the delay, never up to now', async () => {
    aws.put(BUCKET, 'm.onnx', 'abc', { rollout: 'canary', weight: '0.1', interval: '300' });
    const plan = await planStep(event('m.onnx'), execution, delayed);
    const now = Date.now();
    const shiftedAt = new Date(now - 480_000).toISOString();
    await gateStep(
      {
        plan,
        release: {
          version: '2',
          sha256: 'a'.repeat(64),
          size: 3,
          pinnedKey: 'pinned/x',
          reused: false,
          unchanged: false,
        },
        supersede: { previousVersion: '1', stopped: [], created: false },
        progress: { nextStep: 0, step: 0, weight: 0.1, shiftedAt, extensions: 0, waitSeconds: 480 },
      },
      delayed,
    );
    expect(aws.metricRequests.length).toBeGreaterThan(0);
    for (const r of aws.metricRequests) {
      // aligned up to the next whole minute after now − 180 s
      expect(r.EndTime?.getTime()).toBeLessThanOrEqual(now - 180_000 + 60_000 + 1000);
      expect(r.StartTime?.getTime()).toBeLessThanOrEqual(Date.parse(shiftedAt));
    }
  });
});

describe('plan step', () => {
  const config = parseTrafficConfig(PERMISSIVE_LIMITS);
  /** live on version 1, which serves a pinned model. */
  const serving = (modelKey = 'pinned/abc.model') => {
    aws.versions.set('1', { MODEL_KEY: modelKey });
    aws.alias = { version: '1', weights: {}, description: '', revision: 1 };
  };
  beforeEach(() => serving());

  it('the first model of a new stack goes all at once: no alias yet, or live serves no pinned model (D2)', async () => {
    for (const setup of [() => (aws.alias = undefined), () => serving(UNPINNED_MODEL.key)]) {
      setup();
      aws.put(BUCKET, 'm.onnx', 'abc', { rollout: 'canary', weight: '0.1' });
      const plan = await planStep(event('m.onnx'), execution, config);
      expect(plan.schedule).toEqual([]);
      expect(aws.json(BUCKET, 'rollouts/e1.json')).toMatchObject({
        plan: {
          schedule: [],
          note: expect.stringMatching(/first model of a new stack: all at once instead of canary/),
        },
      });
    }
  });

  it("AWS's limits refuse what the uploader may not pick, naming the limit, before anything changes", async () => {
    const aws_ = parseTrafficConfig({});
    const cases: [Record<string, string>, RegExp][] = [
      [
        { rollout: 'all-at-once' },
        /rollout=all-at-once is not allowed on this deployment \(ALLOWED_STRATEGIES: canary, linear, steps, ab\)/,
      ],
      [{ rollout: 'canary', weight: '0.5' }, /first weight 0.5 is above MAX_FIRST_WEIGHT 0.25/],
      [{ rollout: 'steps', weights: '30:60', interval: '600' }, /first weight 0.3 is above MAX_FIRST_WEIGHT/],
      [{ rollout: 'linear', interval: '7' }, /interval 7 s is below MIN_BAKE_SECONDS 60 s/],
      [
        { rollout: 'ab', decide: 'auto', interval: '3600', deadline: '90000' },
        /A\/B deadline 90000 s is above MAX_AB_DURATION_SECONDS 86400 s/,
      ],
    ];
    for (const [metadata, reason] of cases) {
      aws.objects.clear();
      aws.put(BUCKET, 'm.onnx', 'abc', metadata);
      await expect(planStep(event('m.onnx'), execution, aws_)).rejects.toMatchObject({
        name: 'BadRolloutRequest',
        message: expect.stringMatching(reason),
      });
      expect(aws.json(BUCKET, 'rollouts/e1.json'), JSON.stringify(metadata)).toBeUndefined();
    }
    aws.put(BUCKET, 'm.onnx', 'abc', { rollout: 'canary', weight: '0.2', interval: '60' });
    await expect(planStep(event('m.onnx'), execution, aws_)).resolves.toMatchObject({ schedule: [0.2] });
  });

  it('a default strategy outside the allowed ones fails the cold start, naming both', () => {
    expect(() => parseTrafficConfig({ DEFAULT_ROLLOUT: 'all-at-once' })).toThrow(
      /DEFAULT_ROLLOUT all-at-once is not in ALLOWED_STRATEGIES \(canary, linear, steps, ab\)/,
    );
  });

  it('an event naming another bucket is refused: only the model bucket starts rollouts', async () => {
    aws.put('elsewhere', 'm.onnx', 'abc', { rollout: 'canary' });
    const e = event('m.onnx') as { detail: { bucket: { name: string } } };
    e.detail.bucket.name = 'elsewhere';
    await expect(planStep(e, execution, config)).rejects.toMatchObject({
      name: 'BadRolloutRequest',
      message: expect.stringMatching(/s3:\/\/elsewhere is not the model bucket hypermob-models/),
    });
  });

  it('reads metadata, builds the validate input and starts the lineage', async () => {
    aws.put(BUCKET, 'm.onnx', 'abc', { rollout: 'linear', step: '0.5', interval: '7' });
    const plan = await planStep(event('m.onnx'), execution, config);
    expect(plan).toMatchObject({
      strategy: 'linear',
      parameters: { weight: 0.5, step: 0.5, interval: 7 },
      schedule: [0.5],
      intervalSeconds: 7,
      started: Date.parse(execution.startTime),
      stateMachineArn: 'arn:aws:states:us-east-1:1:stateMachine:hypermob-model-rollout',
      validateInput: { bucket: BUCKET, key: 'm.onnx', size: 3, etag: 'abc', executionName: 'e1' },
    });
    expect(aws.json(BUCKET, 'rollouts/e1.json')).toMatchObject({
      plan: { strategy: 'linear', schedule: [0.5], intervalSeconds: 7, hold: false },
    });
  });

  it('finds a URL-encoded key from the event', async () => {
    aws.put(BUCKET, 'my model.onnx', 'abc');
    const plan = await planStep(event('my+model.onnx'), execution, config);
    expect(plan.model.key).toBe('my model.onnx');
  });

  it('rejects a vanished object as BadRolloutRequest', async () => {
    await expect(planStep(event('gone.onnx'), execution, config)).rejects.toMatchObject({
      name: 'BadRolloutRequest',
    });
  });

  it('derives the state machine ARN from the execution ARN when the context lacks it', () => {
    expect(stateMachineArnOf({ arn: execution.arn })).toBe(
      'arn:aws:states:us-east-1:1:stateMachine:hypermob-model-rollout',
    );
  });
});

describe('pinning', () => {
  it('copies, verifies and reuses an existing pinned copy', async () => {
    const { sha256, size } = aws.put(BUCKET, 'm.onnx', 'model-bytes');
    const first = await pinModel({ bucket: BUCKET, key: 'm.onnx' }, sha256, size);
    expect(first).toEqual({ pinnedKey: `pinned/${sha256}.model`, size });
    const copies = aws.calls.filter((c) => c.startsWith('copy')).length;
    await pinModel({ bucket: BUCKET, key: 'm.onnx' }, sha256, size);
    expect(aws.calls.filter((c) => c.startsWith('copy')).length).toBe(copies);
  });

  it('pins an upload that carries tags without copying them (no tagging permissions needed)', async () => {
    const { sha256, size } = aws.put(BUCKET, 'tagged.onnx', 'tagged-bytes');
    const upload = aws.objects.get(`${BUCKET}/tagged.onnx`);
    if (upload) upload.tagging = 'team=fit&stage=exp';
    await expect(pinModel({ bucket: BUCKET, key: 'tagged.onnx' }, sha256, size)).resolves.toMatchObject({
      pinnedKey: `pinned/${sha256}.model`,
    });
  });

  it('rejects and deletes a copy whose bytes are not the validated ones (key overwritten meanwhile)', async () => {
    const { sha256, size } = aws.put(BUCKET, 'm.onnx', 'validated');
    aws.put(BUCKET, 'm.onnx', 'overwritten');
    await expect(pinModel({ bucket: BUCKET, key: 'm.onnx' }, sha256, size)).rejects.toMatchObject({
      name: 'ModelRejected',
      message: expect.stringMatching(/changed after validation/),
    });
    expect(aws.objects.has(`${BUCKET}/pinned/${sha256}.model`)).toBe(false);
  });
});

describe('release step', () => {
  const plan = (key: string): Plan => ({
    executionName: 'e1',
    executionArn: execution.arn,
    stateMachineArn: 'sm',
    started: 1,
    lineageKey: 'rollouts/e1.json',
    model: { bucket: BUCKET, key },
    strategy: 'all-at-once',
    parameters: {},
    schedule: [],
    intervalSeconds: 0,
    hold: false,
    validateInput: { bucket: BUCKET, key, executionName: 'e1' },
  });
  const config = {
    target: { functionName: 'hypermob-recommend', alias: 'live' },
    updateWaitMs: 500,
    probes: 1,
  };

  it('publishes once and reuses the version for the same bytes under another key', async () => {
    const v = aws.put(BUCKET, 'a.onnx', 'same');
    aws.put(BUCKET, 'b.onnx', 'same');
    const first = await releaseStep({ plan: plan('a.onnx'), validation: v }, config);
    const second = await releaseStep({ plan: plan('b.onnx'), validation: v }, config);
    expect(first).toMatchObject({ version: '1', reused: false, unchanged: false });
    expect(second).toMatchObject({ version: '1', reused: true, pinnedKey: first.pinnedKey });
    expect(aws.versions.size).toBe(1);
  });

  it('refuses to publish when another release changed $LATEST meanwhile (ConcurrentChange)', async () => {
    const v = aws.put(BUCKET, 'a.onnx', 'mine');
    // Another writer's update lands right after ours, before our publish.
    const original = aws.latest;
    let hijacked = false;
    const proxy = new Proxy(original, {
      set(target, prop, value) {
        Reflect.set(target, prop, value);
        if (prop === 'status' && value === 'InProgress' && !hijacked) {
          hijacked = true;
          target.env = { ...target.env, MODEL_SHA256: 'f'.repeat(64) };
        }
        return true;
      },
    });
    aws.latest = proxy;
    await expect(releaseStep({ plan: plan('a.onnx'), validation: v }, config)).rejects.toMatchObject({
      name: 'ConcurrentChange',
    });
    expect(aws.versions.size).toBe(0);
  });
});

describe('lambda helpers', () => {
  it('gives up waiting for LastUpdateStatus with UpdateInProgress, for the ASL to retry', async () => {
    aws.latest.status = 'InProgress';
    aws.latest.pendingReads = 1_000_000;
    await expect(
      settledConfiguration('hypermob-recommend', 100, async () => undefined),
    ).rejects.toMatchObject({
      name: 'UpdateInProgress',
    });
  });

  it('maps 412 and 409 to the retried names and passes other errors through', () => {
    const e = (name: string) => Object.assign(new Error(name), { name });
    expect((translateLambdaError(e('PreconditionFailedException'), 'x') as Error).name).toBe(
      'ConcurrentChange',
    );
    expect((translateLambdaError(e('ResourceConflictException'), 'x') as Error).name).toBe(
      'UpdateInProgress',
    );
    expect((translateLambdaError(e('AccessDeniedException'), 'x') as Error).name).toBe(
      'AccessDeniedException',
    );
  });

  it('alias writes carry the RevisionId that was read', async () => {
    aws.alias = { version: '1', weights: {}, description: '', revision: 1 };
    const target = { functionName: 'hypermob-recommend', alias: 'live' };
    const read = await readLive(target);
    if (!read) throw new Error('no alias');
    await writeLive(target, read, { primary: '1', candidate: { version: '2', weight: 0.1 }, note: {} });
    await expect(writeLive(target, read, { primary: '1', note: {} })).rejects.toMatchObject({
      name: 'ConcurrentChange',
    });
    expect(aws.alias?.weights).toEqual({ '2': 0.1 });
  });

  it('aligns the metric window to whole periods around the bake', () => {
    const w = alignWindow({
      functionName: 'f',
      alias: 'live',
      since: new Date(61_500),
      until: new Date(125_000),
      periodSeconds: 60,
    });
    expect([w.start.getTime(), w.end.getTime()]).toEqual([60_000, 180_000]);
  });
});

describe('lineage records are parsed on read', () => {
  it('a corrupt record fails the step clearly (CorruptLineage naming the key), not deep inside it', async () => {
    aws.put(BUCKET, 'rollouts/bad.json', '{"schemaVersion":1,"execution":"bad","kind":"upload"');
    await expect(readLineage(BUCKET, 'bad')).rejects.toMatchObject({
      name: 'CorruptLineage',
      message: 'rollouts/bad.json is not JSON',
    });
    aws.put(
      BUCKET,
      'rollouts/odd.json',
      JSON.stringify({ schemaVersion: 1, execution: 'odd', kind: 'upload', weights: 'x' }),
    );
    await expect(readLineage(BUCKET, 'odd')).rejects.toMatchObject({
      name: 'CorruptLineage',
      message: expect.stringMatching(/^rollouts\/odd.json is not a lineage record: .*weights/),
    });
    await expect(readLineage(BUCKET, 'missing')).resolves.toBeUndefined();
  });
});
