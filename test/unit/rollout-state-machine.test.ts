import { createHash } from 'node:crypto';
import { StateMachine } from 'aws-local-stepfunctions';

type JSONValue = Parameters<StateMachine['run']>[0];

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseReleaseConfig } from '../../functions/rollout/release/config.js';
import { createReleaseHandler } from '../../functions/rollout/release/handler.js';
import { readAliasNote } from '../../functions/rollout/shared/alias-note.js';
import { ModelRejectedError } from '../../functions/rollout/shared/errors.js';
import type { LineageRecord } from '../../functions/rollout/shared/lineage.js';
import { parseTrafficConfig } from '../../functions/rollout/traffic/config.js';
import { createTrafficHandler } from '../../functions/rollout/traffic/handler.js';
import { setClients } from '../../functions/shared/aws-clients.js';
import { rolloutDefinition, rolloutSubstitutions } from '../../statemachines/substitutions.js';
import { FakeAws, type FakeExecution, PERMISSIVE_LIMITS } from '../support/rollout-fake-aws.js';

/**
 * The real ASL, run by aws-local-stepfunctions, with the real release and traffic handlers over an
 * in-memory AWS (rollout-fake-aws.ts) and a fake validate function. One scenario per path,
 * asserting on the execution's outcome, the alias and the lineage record.
 */

const BUCKET = 'hypermob-models';
const SM_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:hypermob-model-rollout';
const subs = rolloutSubstitutions({ region: 'us-east-1', accountId: '123456789012' });
const definition = JSON.parse(rolloutDefinition(subs));
const stateMachine = new StateMachine(definition);

const trafficConfig = parseTrafficConfig({
  ...PERMISSIVE_LIMITS,
  DEFAULT_ROLLOUT: 'canary',
  DEFAULT_INTERVAL_SECONDS: '0',
  GATE_MIN_SAMPLES: '10',
  GATE_MAX_EXTENSIONS: '1',
  GATE_PERIOD_SECONDS: '1',
});
const releaseConfig = parseReleaseConfig({ UPDATE_WAIT_SECONDS: '2', PRETRAFFIC_PROBES: '2' });

let aws: FakeAws;
/** Validation of these executions waits for the promise (to stage races). */
const holdValidation = new Map<string, Promise<void>>();
let clock = 0;

/** Validation stand-in: bytes starting with "BAD" are rejected, like F1's function after its report. */
async function fakeValidate(input: unknown) {
  const { bucket, key, executionName } = input as { bucket: string; key: string; executionName: string };
  await holdValidation.get(executionName);
  const o = aws.objects.get(`${bucket}/${key}`);
  if (!o) throw new Error('no object');
  if (new TextDecoder().decode(o.body).startsWith('BAD')) {
    aws.put(bucket, `reports/${executionName}.json`, JSON.stringify({ passed: false }));
    throw new ModelRejectedError('failed checks: onnx-parse');
  }
  const sha256 = createHash('sha256').update(o.body).digest('hex');
  return { sha256, size: o.body.length, reportKey: `reports/${executionName}.json`, passed: true };
}

function taskHandlers() {
  const byArn: Record<string, (input: unknown) => Promise<unknown>> = {
    [subs.ValidateFunctionArn]: fakeValidate,
    [subs.ReleaseFunctionArn]: createReleaseHandler(releaseConfig),
    [subs.TrafficFunctionArn]: createTrafficHandler(trafficConfig),
  };
  const handlers: Record<string, (input: JSONValue) => Promise<JSONValue>> = {};
  for (const [name, state] of Object.entries(
    definition.States as Record<string, { Type: string; Resource?: string }>,
  )) {
    if (state.Type !== 'Task') continue;
    const fn = byArn[state.Resource ?? ''];
    if (!fn) throw new Error(`no fake for ${state.Resource}`);
    handlers[name] = fn as (input: JSONValue) => Promise<JSONValue>;
  }
  return handlers;
}

interface Outcome {
  status: FakeExecution['status'];
  output?: unknown;
  error?: string;
  cause?: string;
  states: string[];
}

/** Starts an execution as Step Functions would (context object, RUNNING in ListExecutions). */
function start(name: string, input: unknown, waits: Record<string, number> = {}): { done: Promise<Outcome> } {
  // aws-local-stepfunctions stamps $$.Execution.StartTime with the real clock; keep ListExecutions in step.
  clock = Math.max(clock + 1, Date.now());
  const arn = `${SM_ARN.replace(':stateMachine:', ':execution:')}:${name}`;
  const execution: FakeExecution = {
    arn,
    name,
    status: 'RUNNING',
    startDate: new Date(clock),
    input: JSON.stringify(input),
  };
  aws.executions.set(arn, execution);
  const retryStates = Object.entries(definition.States as Record<string, { Retry?: unknown }>)
    .filter(([, s]) => s.Retry)
    .map(([n]) => [n, 0]);
  const run = stateMachine.run(input as never, {
    overrides: {
      taskResourceLocalHandlers: taskHandlers(),
      waitTimeOverrides: { Bake: 0, ExperimentWait: 0, ...waits },
      retryIntervalOverrides: Object.fromEntries(retryStates),
    },
    noThrowOnAbort: true,
    context: {
      Execution: { Id: arn, Name: name, StartTime: new Date(clock).toISOString(), Input: input as never },
      StateMachine: { Id: SM_ARN, Name: 'hypermob-model-rollout' },
    },
  });
  execution.onStop = () => run.abort();
  const states: string[] = [];
  const events = (async () => {
    for await (const e of run.eventLogs) if (e.type === 'StateEntered') states.push(e.state.name);
  })();
  const done = run.result.then(
    async (output) => {
      await events;
      if (execution.status === 'RUNNING') execution.status = 'SUCCEEDED';
      return { status: execution.status, output, states };
    },
    async (err: Error) => {
      await events.catch(() => undefined);
      execution.status = 'FAILED';
      const cause = err.cause as Error | undefined;
      return { status: 'FAILED' as const, error: cause?.name, cause: cause?.message, states };
    },
  );
  return { done };
}

const upload = (key: string, body: string, metadata: Record<string, string> = {}) => {
  const { size } = aws.put(BUCKET, key, body, metadata);
  return {
    version: '0',
    source: 'aws.s3',
    'detail-type': 'Object Created',
    detail: { bucket: { name: BUCKET }, object: { key, size } },
  };
};
const lineage = (name: string) => aws.json(BUCKET, `rollouts/${name}.json`) as LineageRecord;
const healthy = (version: string) => aws.metrics.set(version, { invocations: 100, errors: 0, p99: 20 });

/** Brings the system to "version 1 live" through the pipeline itself. */
async function bootstrap() {
  const first = await start('boot', upload('car_fit_model.onnx', 'model-1', { rollout: 'all-at-once' })).done;
  expect(first.status).toBe('SUCCEEDED');
  expect(aws.alias?.version).toBe('1');
}

beforeEach(() => {
  aws = new FakeAws();
  aws.install();
  aws.latest.env = { LOG_LEVEL: 'INFO', MODEL_BUCKET: BUCKET, MODEL_KEY: 'x', MODEL_SHA256: '0'.repeat(64) };
});
afterEach(() => {
  setClients({});
  holdValidation.clear();
});

describe('rollout state machine', () => {
  it('ignores the pipeline’s own writes and keys that are not .onnx', async () => {
    for (const key of [
      'pinned/abc.onnx',
      'reports/x.onnx',
      'rollouts/y.onnx',
      'golden/g.onnx',
      'notes.txt',
    ]) {
      const r = await start(`ign-${key.replace(/\W/g, '')}`, upload(key, 'x')).done;
      expect(r.status).toBe('SUCCEEDED');
      expect(r.output).toMatchObject({ outcome: 'Ignored', key });
      expect(r.states).not.toContain('Plan');
    }
    expect(aws.aliasWrites).toEqual([]);
  });

  it('fails clearly on input that is neither an event nor a command', async () => {
    const r = await start('junk', { hello: 'world' }).done;
    expect(r).toMatchObject({ status: 'FAILED', error: 'BadRolloutRequest' });
  });

  it('first rollout: publishes, pins the bytes and creates alias live', async () => {
    await bootstrap();
    const pinned = [...aws.objects.keys()].find((k) => k.startsWith(`${BUCKET}/pinned/`));
    expect(pinned).toMatch(/pinned\/[0-9a-f]{64}\.model$/);
    expect(aws.versions.get('1')).toMatchObject({
      LOG_LEVEL: 'INFO',
      MODEL_SOURCE_KEY: 'car_fit_model.onnx',
    });
    expect(aws.versions.get('1')?.MODEL_KEY).toBe(pinned?.slice(BUCKET.length + 1));
    expect(lineage('boot')).toMatchObject({
      outcome: { status: 'completed' },
      release: { version: '1', reused: false },
    });
  });

  it('all-at-once: live moves to the new version with no weights; probes hit the version first', async () => {
    await bootstrap();
    const r = await start('aao', upload('car_fit_model.onnx', 'model-2', { rollout: 'all-at-once' })).done;
    expect(r.status).toBe('SUCCEEDED');
    expect(aws.alias).toMatchObject({ version: '2', weights: {} });
    expect(readAliasNote(aws.alias?.description)).toMatchObject({ owner: 'aao', previous: '1' });
    expect(aws.calls.indexOf('invoke 2')).toBeLessThan(aws.calls.lastIndexOf('publish 2') + 10);
    expect(r.states).toEqual(
      expect.arrayContaining([
        'Plan',
        'Validate',
        'Release',
        'PreTraffic',
        'Supersede',
        'HasSchedule',
        'Finish',
      ]),
    );
    expect(r.states).not.toContain('Shift');
    const rec = lineage('aao');
    expect(rec.weights.at(-1)).toMatchObject({ primary: '2', weight: 1 });
    expect(rec.preTraffic).toMatchObject({ version: '2', passed: true });
  });

  it('canary: weight, bake, gate pass, then 100 %', async () => {
    await bootstrap();
    healthy('1');
    healthy('2');
    const r = await start(
      'can',
      upload('car_fit_model.onnx', 'model-2', { rollout: 'canary', weight: '0.2' }),
    ).done;
    expect(r.status).toBe('SUCCEEDED');
    expect(aws.aliasWrites.slice(-2)).toEqual([
      { version: '1', weights: { '2': 0.2 } },
      { version: '2', weights: {} },
    ]);
    expect(lineage('can').gates).toMatchObject([{ decision: 'pass', weight: 0.2 }]);
  });

  it('a 409 on any alias write is retried, not rolled back (supersede, shift, finish)', async () => {
    await bootstrap();
    healthy('1');
    healthy('2');
    aws.aliasConflicts = 2; // the shift and then (after its retry) the finish see 409 first
    const r = await start(
      'busy',
      upload('car_fit_model.onnx', 'model-2', { rollout: 'canary', weight: '0.2' }),
    ).done;
    expect(r.status).toBe('SUCCEEDED');
    expect(aws.alias).toMatchObject({ version: '2', weights: {} });
    expect(aws.aliasConflicts).toBe(0);
  });

  it('waits for a just-published version to be Active before probing it', async () => {
    await bootstrap();
    aws.publishLag = 3;
    const r = await start('pending', upload('car_fit_model.onnx', 'model-2', { rollout: 'all-at-once' }))
      .done;
    expect(r.status).toBe('SUCCEEDED');
    expect(aws.alias).toMatchObject({ version: '2', weights: {} });
  });

  it('canary breach: rolled back to the previous version, FAILED RolledBack with the evidence', async () => {
    await bootstrap();
    healthy('1');
    aws.metrics.set('2', { invocations: 100, errors: 9, p99: 20 });
    const r = await start('bad', upload('car_fit_model.onnx', 'model-2', { rollout: 'canary' })).done;
    expect(r).toMatchObject({ status: 'FAILED', error: 'RolledBack' });
    const cause = JSON.parse(r.cause ?? '{}');
    expect(cause.rolledBackTo).toBe('1');
    expect(cause.gate.join()).toMatch(/error rate 9.00 %/);
    expect(aws.alias).toMatchObject({ version: '1', weights: {} });
    expect(lineage('bad').outcome.status).toBe('rolled-back');
  });

  it('canary with handled failures only (500s Lambda never counts): rolled back, the gate names them', async () => {
    await bootstrap();
    aws.metrics.set('1', {
      invocations: 100,
      errors: 0,
      p99: 20,
      app: { requests: 100, errors: 0, degraded: 0 },
    });
    aws.metrics.set('2', {
      invocations: 100,
      errors: 0,
      p99: 20,
      app: { requests: 100, errors: 6, degraded: 0 },
    });
    const r = await start('handled', upload('car_fit_model.onnx', 'model-2', { rollout: 'canary' })).done;
    expect(r).toMatchObject({ status: 'FAILED', error: 'RolledBack' });
    const cause = JSON.parse(r.cause ?? '{}');
    expect(cause.gate.join()).toMatch(/6 handled errors/);
    expect(aws.alias).toMatchObject({ version: '1', weights: {} });
    expect(lineage('handled').gates[0]?.evidence).toMatchObject({ candidate: { app: { errors: 6 } } });
  });

  it('too little traffic extends the bake a bounded number of times, then rolls back', async () => {
    await bootstrap();
    healthy('1');
    aws.metrics.set('2', { invocations: 2, errors: 0, p99: 20 });
    const r = await start('quiet', upload('car_fit_model.onnx', 'model-2')).done;
    expect(r).toMatchObject({ status: 'FAILED', error: 'RolledBack' });
    expect(r.states.filter((s) => s === 'Gate')).toHaveLength(2);
    expect(lineage('quiet').gates.map((g) => g.decision)).toEqual(['extend', 'rollback']);
  });

  it('linear: every step baked and gated, then 100 %', async () => {
    await bootstrap();
    healthy('1');
    healthy('2');
    const r = await start('lin', upload('car_fit_model.onnx', 'model-2', { rollout: 'linear', step: '0.3' }))
      .done;
    expect(r.status).toBe('SUCCEEDED');
    expect(aws.aliasWrites.slice(-4).map((w) => w.weights['2'] ?? (w.version === '2' ? 1 : 0))).toEqual([
      0.3, 0.6, 0.9, 1,
    ]);
    expect(lineage('lin').gates).toHaveLength(3);
  });

  it('steps: each listed weight baked and gated, then 100 %', async () => {
    await bootstrap();
    healthy('1');
    healthy('2');
    const r = await start(
      'steps',
      upload('car_fit_model.onnx', 'model-2', { rollout: 'steps', weights: '5:25:50', interval: '0' }),
    ).done;
    expect(r.status).toBe('SUCCEEDED');
    expect(aws.aliasWrites.slice(-4)).toEqual([
      { version: '1', weights: { '2': 0.05 } },
      { version: '1', weights: { '2': 0.25 } },
      { version: '1', weights: { '2': 0.5 } },
      { version: '2', weights: {} },
    ]);
    expect(r.states.filter((s) => s === 'Gate')).toHaveLength(3);
    const rec = lineage('steps');
    expect(rec.plan).toMatchObject({ strategy: 'steps', parameters: { weights: [5, 25, 50] }, hold: false });
    expect(rec.gates.map((g) => [g.weight, g.decision])).toEqual([
      [0.05, 'pass'],
      [0.25, 'pass'],
      [0.5, 'pass'],
    ]);
    expect(rec.weights.slice(-4).map((w) => w.reason)).toEqual([
      'step 1 of 3',
      'step 2 of 3',
      'step 3 of 3',
      'finished: 100 %',
    ]);
  });

  it('steps with a bad list: FAILED BadRolloutRequest naming the key, before validation', async () => {
    await bootstrap();
    const r = await start(
      'badsteps',
      upload('car_fit_model.onnx', 'model-2', { rollout: 'steps', weights: '50:25' }),
    ).done;
    expect(r).toMatchObject({ status: 'FAILED', error: 'BadRolloutRequest' });
    expect(r.cause).toMatch(/weights: weights must be strictly increasing: 25 after 50/);
    expect(r.states).not.toContain('Validate');
  });

  it('validation rejection: FAILED ModelRejected, nothing published, alias untouched', async () => {
    await bootstrap();
    const before = aws.aliasWrites.length;
    const r = await start('rej', upload('car_fit_model.onnx', 'BAD bytes')).done;
    expect(r).toMatchObject({ status: 'FAILED', error: 'ModelRejected' });
    expect(r.cause).toMatch(/onnx-parse/);
    expect(aws.versions.size).toBe(1);
    expect(aws.aliasWrites.length).toBe(before);
    expect(lineage('rej')).toMatchObject({
      outcome: { status: 'rejected', error: 'ModelRejected' },
      validation: { reportKey: 'reports/rej.json', passed: false },
    });
  });

  it('bad metadata: FAILED BadRolloutRequest before validation', async () => {
    const r = await start('meta', upload('car_fit_model.onnx', 'model-2', { weight: '2' })).done;
    expect(r).toMatchObject({ status: 'FAILED', error: 'BadRolloutRequest' });
    expect(r.cause).toMatch(/weight must be < 1/);
    expect(r.states).not.toContain('Validate');
  });

  it('pre-traffic failure: FAILED ModelRejected, alias untouched', async () => {
    await bootstrap();
    aws.brokenVersions.add('2');
    const before = aws.aliasWrites.length;
    const r = await start('pre', upload('car_fit_model.onnx', 'model-2', { rollout: 'all-at-once' })).done;
    expect(r).toMatchObject({ status: 'FAILED', error: 'ModelRejected' });
    expect(r.cause).toMatch(/degraded: model failed to load/);
    expect(aws.aliasWrites.length).toBe(before);
  });

  it('identical bytes: no new version; already live → Unchanged', async () => {
    await bootstrap();
    const r = await start('same', upload('other-name.onnx', 'model-1')).done;
    expect(r.status).toBe('SUCCEEDED');
    expect(r.states).toContain('Unchanged');
    expect(aws.versions.size).toBe(1);
    expect(lineage('same').outcome.status).toBe('unchanged');
  });

  it('re-upload of a published (not live) model reuses its version', async () => {
    await bootstrap();
    await start('v2', upload('car_fit_model.onnx', 'model-2', { rollout: 'all-at-once' })).done;
    const r = await start('back', upload('car_fit_model.onnx', 'model-1', { rollout: 'all-at-once' })).done;
    expect(r.status).toBe('SUCCEEDED');
    expect(aws.versions.size).toBe(2);
    expect(aws.alias).toMatchObject({ version: '1', weights: {} });
    expect(lineage('back').release).toMatchObject({ version: '1', reused: true });
  });

  it("re-upload of an older model after the code or a setting changed publishes a new version with today's", async () => {
    await bootstrap();
    await start('v2', upload('car_fit_model.onnx', 'model-2', { rollout: 'all-at-once' })).done;
    aws.latest.code = 'code-2'; // a deployment of new function code
    const back = await start('back', upload('car_fit_model.onnx', 'model-1', { rollout: 'all-at-once' }))
      .done;
    expect(back.status).toBe('SUCCEEDED');
    expect(lineage('back').release).toMatchObject({ version: '3', reused: false });
    expect(aws.alias).toMatchObject({ version: '3', weights: {} });
    aws.latest.env = { ...aws.latest.env, LOG_LEVEL: 'DEBUG' }; // a setting changed
    await start('v2b', upload('car_fit_model.onnx', 'model-2', { rollout: 'all-at-once' })).done;
    expect(lineage('v2b').release).toMatchObject({ version: '4', reused: false });
    expect(aws.versions.get('4')?.LOG_LEVEL).toBe('DEBUG');
    // Nothing changed since version 4 was published: its bytes reuse it (after model-1 went live on 5).
    await start('one', upload('car_fit_model.onnx', 'model-1', { rollout: 'all-at-once' })).done;
    expect(lineage('one').release).toMatchObject({ version: '5', reused: false });
    const again = await start('again', upload('car_fit_model.onnx', 'model-2', { rollout: 'all-at-once' }))
      .done;
    expect(again.status).toBe('SUCCEEDED');
    expect(lineage('again').release).toMatchObject({ version: '4', reused: true });
  });

  it('throttling (429) and an update in progress (409) during release are retried, not failed', async () => {
    await bootstrap();
    aws.failCall('PublishVersionCommand', 'TooManyRequestsException', { times: 2 });
    aws.failCall('UpdateFunctionConfigurationCommand', 'ResourceConflictException', { times: 2 });
    aws.failCall('ListVersionsByFunctionCommand', 'TooManyRequestsException');
    const r = await start('busy', upload('car_fit_model.onnx', 'model-2', { rollout: 'all-at-once' })).done;
    expect(r.status).toBe('SUCCEEDED');
    expect(aws.calls.filter((c) => c.startsWith('fault '))).toEqual([
      'fault ListVersionsByFunctionCommand TooManyRequestsException',
      'fault UpdateFunctionConfigurationCommand ResourceConflictException',
      'fault UpdateFunctionConfigurationCommand ResourceConflictException',
      'fault PublishVersionCommand TooManyRequestsException',
      'fault PublishVersionCommand TooManyRequestsException',
    ]);
    expect(aws.alias).toMatchObject({ version: '2', weights: {} });
  });

  it('waits out a $LATEST update in progress before publishing', async () => {
    aws.updateLag = 3;
    await bootstrap();
    expect(aws.versions.get('1')?.MODEL_SOURCE_KEY).toBe('car_fit_model.onnx');
  });

  it('A/B: holds the weight and SUCCEEDS; promote finishes it', async () => {
    await bootstrap();
    const r = await start('ab', upload('car_fit_model.onnx', 'model-2', { rollout: 'ab', weight: '0.5' }))
      .done;
    expect(r.status).toBe('SUCCEEDED');
    expect(r.states).toContain('ExperimentHeld');
    expect(r.states).not.toContain('Bake');
    expect(aws.alias).toMatchObject({ version: '1', weights: { '2': 0.5 } });
    expect(lineage('ab').outcome.status).toBe('held');
    expect(lineage('ab').weights.at(-1)?.reason).toBe('step 1 of 1, held until promote or abort');
    const p = await start('promote', { command: 'promote' }).done;
    expect(p.status).toBe('SUCCEEDED');
    expect(aws.alias).toMatchObject({ version: '2', weights: {} });
    expect(lineage('ab').outcome).toMatchObject({ status: 'promoted', by: 'promote' });
    expect(lineage('promote').command).toMatchObject({ command: 'promote', after: { primary: '2' } });
  });

  it('A/B aborted: the candidate weight is removed', async () => {
    await bootstrap();
    await start('ab', upload('car_fit_model.onnx', 'model-2', { rollout: 'ab', weight: '0.5' })).done;
    const a = await start('abort', { command: 'abort' }).done;
    expect(a.status).toBe('SUCCEEDED');
    expect(aws.alias).toMatchObject({ version: '1', weights: {} });
    expect(lineage('ab').outcome.status).toBe('aborted');
  });

  it('commands with nothing to do fail with NothingToDo', async () => {
    await bootstrap();
    for (const command of ['promote', 'abort', 'rollback']) {
      const r = await start(`noop-${command}`, { command }).done;
      expect(r).toMatchObject({ status: 'FAILED', error: 'NothingToDo' });
    }
    const bad = await start('bad-version', { command: 'rollback', version: '99' }).done;
    expect(bad).toMatchObject({ status: 'FAILED', error: 'BadRolloutRequest' });
  });

  it('rollback command: to the previous live version by default, or to a given one', async () => {
    await bootstrap();
    await start('v2', upload('car_fit_model.onnx', 'model-2', { rollout: 'all-at-once' })).done;
    await start('v3', upload('car_fit_model.onnx', 'model-3', { rollout: 'all-at-once' })).done;
    expect(aws.alias?.version).toBe('3');
    expect((await start('rb', { command: 'rollback' }).done).status).toBe('SUCCEEDED');
    expect(aws.alias).toMatchObject({ version: '2', weights: {} });
    expect((await start('rb1', { command: 'rollback', version: '1' }).done).status).toBe('SUCCEEDED');
    expect(aws.alias).toMatchObject({ version: '1', weights: {} });
    expect(readAliasNote(aws.alias?.description).previous).toBe('2');
  });

  it('promote during a canary bake stops the upload execution and finishes now', async () => {
    await bootstrap();
    const canary = start('long', upload('car_fit_model.onnx', 'model-2', { rollout: 'canary' }), {
      Bake: 60_000,
    });
    await until(() => aws.alias?.weights['2'] === 0.1);
    const p = await start('go', { command: 'promote' }).done;
    expect(p.status).toBe('SUCCEEDED');
    const c = await canary.done;
    expect(c.status).toBe('ABORTED');
    expect(aws.alias).toMatchObject({ version: '2', weights: {} });
    expect(lineage('long').outcome.status).toBe('promoted');
  });

  it('rollback during a canary bake stops the upload and returns live to the previous version', async () => {
    await bootstrap();
    await start('v2', upload('car_fit_model.onnx', 'model-2', { rollout: 'all-at-once' })).done;
    const canary = start('v3', upload('car_fit_model.onnx', 'model-3', { rollout: 'canary' }), {
      Bake: 60_000,
    });
    await until(() => aws.alias?.weights['3'] === 0.1);
    const r = await start('undo', { command: 'rollback' }).done;
    expect(r.status).toBe('SUCCEEDED');
    expect((await canary.done).status).toBe('ABORTED');
    expect(aws.alias).toMatchObject({ version: '1', weights: {} });
    expect(lineage('v3').outcome).toMatchObject({ status: 'rolled-back', by: 'undo' });
    // The completed v2 rollout's record is history and stays as it was.
    expect(lineage('v2').outcome.status).toBe('completed');
  });

  it('a newer upload supersedes a canary in flight: stops it and clears its weight first', async () => {
    await bootstrap();
    healthy('1');
    healthy('3');
    const older = start('older', upload('car_fit_model.onnx', 'model-2', { rollout: 'canary' }), {
      Bake: 60_000,
    });
    await until(() => aws.alias?.weights['2'] === 0.1);
    const newer = await start('newer', upload('car_fit_model.onnx', 'model-3', { rollout: 'canary' })).done;
    expect(newer.status).toBe('SUCCEEDED');
    expect((await older.done).status).toBe('ABORTED');
    const after = aws.aliasWrites.slice(-3);
    expect(after).toEqual([
      { version: '1', weights: {} },
      { version: '1', weights: { '3': 0.1 } },
      { version: '3', weights: {} },
    ]);
    expect(lineage('older').outcome).toMatchObject({ status: 'superseded', by: 'newer' });
    expect(lineage('newer').superseded).toEqual(['older']);
  });

  it('an older upload that reaches traffic after a newer one finished gives way (Superseded)', async () => {
    await bootstrap();
    let letGo: () => void = () => undefined;
    holdValidation.set(
      'slow',
      new Promise<void>((r) => {
        letGo = r;
      }),
    );
    const older = start('slow', upload('a.onnx', 'model-2', { rollout: 'all-at-once' }));
    await until(
      () => aws.executions.get(`${SM_ARN.replace(':stateMachine:', ':execution:')}:slow`) !== undefined,
    );
    await new Promise((r) => setTimeout(r, 20));
    const newer = await start('fast', upload('b.onnx', 'model-3', { rollout: 'all-at-once' })).done;
    // The newer one saw the older still RUNNING and stopped it before touching the alias.
    expect(newer.status).toBe('SUCCEEDED');
    const slow = aws.executions.get(`${SM_ARN.replace(':stateMachine:', ':execution:')}:slow`);
    expect(slow?.status).toBe('ABORTED');
    letGo();
    expect((await older.done).status).toBe('ABORTED');
    expect(aws.alias?.weights).toEqual({});
    expect(aws.versions.get(aws.alias?.version ?? '')?.MODEL_SOURCE_KEY).toBe('b.onnx');
  });

  it('the alias watermark stops an older upload that was never listed as running', async () => {
    await bootstrap();
    let letGo: () => void = () => undefined;
    holdValidation.set(
      'hidden',
      new Promise<void>((r) => {
        letGo = r;
      }),
    );
    const older = start('hidden', upload('a.onnx', 'model-2', { rollout: 'all-at-once' }));
    const arn = `${SM_ARN.replace(':stateMachine:', ':execution:')}:hidden`;
    await until(() => aws.executions.has(arn));
    // Invisible to ListExecutions (eventual consistency): only the watermark can protect the alias.
    const hidden = aws.executions.get(arn);
    if (hidden) hidden.status = 'SUCCEEDED';
    await new Promise((r) => setTimeout(r, 20));
    const newer = await start('visible', upload('b.onnx', 'model-3', { rollout: 'all-at-once' })).done;
    expect(newer.status).toBe('SUCCEEDED');
    if (hidden) hidden.status = 'RUNNING';
    letGo();
    const r = await older.done;
    expect(r).toMatchObject({ status: 'FAILED', error: 'Superseded' });
    expect(aws.alias?.weights).toEqual({});
    expect(aws.versions.get(aws.alias?.version ?? '')?.MODEL_SOURCE_KEY).toBe('b.onnx');
    expect(lineage('hidden').outcome.status).toBe('superseded');
  });

  it('a newer upload supersedes a held A/B experiment', async () => {
    await bootstrap();
    await start('exp', upload('car_fit_model.onnx', 'model-2', { rollout: 'ab', weight: '0.5' })).done;
    const r = await start('next', upload('car_fit_model.onnx', 'model-3', { rollout: 'all-at-once' })).done;
    expect(r.status).toBe('SUCCEEDED');
    expect(aws.alias).toMatchObject({ version: '3', weights: {} });
    expect(readAliasNote(aws.alias?.description).previous).toBe('1');
    expect(lineage('exp').outcome).toMatchObject({ status: 'superseded', by: 'next' });
  });
});

describe('A/B decided on evidence (decide=auto)', () => {
  /**
   * n feedbacks with normalised errors spread around `mean` (sd ≈ 0.18, deterministic) and a
   * seat_position error to match, as POST /feedback reports them for the version that served.
   */
  const feedbacks = (n: number, mean: number) =>
    Array.from({ length: n }, (_, i) => {
      const norm = mean + 0.25 * Math.sin(i * 1.7);
      return { norm, abs: { seat_position: norm * 31.6 } };
    });
  const auto = (extra: Record<string, string> = {}) => ({
    rollout: 'ab',
    weight: '0.5',
    decide: 'auto',
    interval: '1',
    deadline: '4',
    min_feedback: '50',
    ...extra,
  });

  it('a clearly worse candidate is aborted at the first look: RolledBack with the readout, primary kept', async () => {
    await bootstrap();
    healthy('1');
    healthy('2');
    aws.feedback.set('1', feedbacks(400, 0.8));
    aws.feedback.set('2', feedbacks(400, 0.9));
    const r = await start('worse', upload('car_fit_model.onnx', 'model-2', auto())).done;
    expect(r).toMatchObject({ status: 'FAILED', error: 'RolledBack' });
    expect(r.states.filter((s) => s === 'Look')).toHaveLength(1);
    expect(aws.alias).toMatchObject({ version: '1', weights: {} });
    const cause = JSON.parse(r.cause ?? '{}');
    expect(cause.experiment[0]).toMatch(
      /^candidate_worse at look 1 of 4: normalised error \+0\.1000 \(\+12\.5 %\)/,
    );
    expect(cause.evidence.readout).toMatchObject({
      verdict: 'candidate_worse',
      candidate: { feedback: 400 },
    });
    const rec = lineage('worse');
    expect(rec.plan?.experiment).toEqual({
      margin: 0.02,
      intervalSeconds: 1,
      deadlineSeconds: 4,
      looks: 4,
      minFeedback: 50,
      alpha: 0.05,
    });
    expect(rec.outcome).toMatchObject({ status: 'rolled-back', error: 'ExperimentAborted' });
    expect(rec.looks).toHaveLength(1);
    expect(rec.looks?.[0]).toMatchObject({
      look: 1,
      of: 4,
      decision: 'abort',
      readout: {
        verdict: 'candidate_worse',
        primary: { version: '1', feedback: 400, requests: 100, error_rate: 0 },
        candidate: { version: '2', feedback: 400, mae: { seat_position: { n: 400 } } },
        difference: { test: "Welch's t-test (unequal variances)" },
      },
      gate: { decision: 'pass' },
    });
    expect(rec.weights.map((w) => w.reason)).toContain(
      'step 1 of 1, experiment: a look every 1 s for up to 4 s',
    );
  });

  it('an equivalent candidate is promoted: 100 %, like a passed canary', async () => {
    await bootstrap();
    healthy('1');
    healthy('2');
    aws.feedback.set('1', feedbacks(3000, 0.8));
    aws.feedback.set('2', feedbacks(3000, 0.8));
    const r = await start('same', upload('car_fit_model.onnx', 'model-2', auto())).done;
    expect(r.status).toBe('SUCCEEDED');
    expect(r.states).toEqual(expect.arrayContaining(['ExperimentWait', 'Look', 'LookDecision', 'Finish']));
    expect(r.states).not.toContain('ExperimentHeld');
    expect(aws.alias).toMatchObject({ version: '2', weights: {} });
    const rec = lineage('same');
    expect(rec.outcome.status).toBe('completed');
    expect(rec.looks?.at(-1)).toMatchObject({ decision: 'promote', readout: { verdict: 'no_difference' } });
    expect(rec.looks?.at(-1)?.reasons[0]).toMatch(/^no_difference at look 1 of 4/);
  });

  it('without enough feedback it looks K times, then aborts as inconclusive', async () => {
    await bootstrap();
    healthy('1');
    healthy('2');
    aws.feedback.set('1', feedbacks(20, 0.8));
    aws.feedback.set('2', feedbacks(20, 0.8));
    const r = await start('quiet-exp', upload('car_fit_model.onnx', 'model-2', auto())).done;
    expect(r).toMatchObject({ status: 'FAILED', error: 'RolledBack' });
    expect(r.states.filter((s) => s === 'Look')).toHaveLength(4);
    expect(aws.alias).toMatchObject({ version: '1', weights: {} });
    const rec = lineage('quiet-exp');
    expect(rec.looks?.map((l) => l.decision)).toEqual(['continue', 'continue', 'continue', 'abort']);
    expect(rec.looks?.at(-1)?.reasons[0]).toMatch(/^inconclusive at look 4 of 4: \d+ more feedbacks needed/);
    expect(JSON.parse(r.cause ?? '{}').experiment[0]).toMatch(/^inconclusive/);
  });

  it('the health gate keeps running at every look: a breach aborts whatever the outcomes say', async () => {
    await bootstrap();
    healthy('1');
    aws.metrics.set('2', { invocations: 100, errors: 9, p99: 20 });
    aws.feedback.set('1', feedbacks(3000, 0.8));
    aws.feedback.set('2', feedbacks(3000, 0.8));
    const r = await start('sick', upload('car_fit_model.onnx', 'model-2', auto())).done;
    expect(r).toMatchObject({ status: 'FAILED', error: 'RolledBack' });
    const cause = JSON.parse(r.cause ?? '{}');
    expect(cause.experiment[0]).toBe('gate breached at look 1 of 4');
    expect(cause.experiment[1]).toMatch(/error rate 9.00 %/);
    expect(aws.alias).toMatchObject({ version: '1', weights: {} });
  });

  it('a promote command during the experiment stops it and finishes now', async () => {
    await bootstrap();
    healthy('1');
    healthy('2');
    const exp = start('long-exp', upload('car_fit_model.onnx', 'model-2', auto()), {
      ExperimentWait: 60_000,
    });
    await until(() => aws.alias?.weights['2'] === 0.5);
    expect((await start('go-exp', { command: 'promote' }).done).status).toBe('SUCCEEDED');
    expect((await exp.done).status).toBe('ABORTED');
    expect(aws.alias).toMatchObject({ version: '2', weights: {} });
    expect(lineage('long-exp').outcome.status).toBe('promoted');
  });
});

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('pipeline integrity: claim before stop, the reconciler', () => {
  const arnOf = (name: string) => `${SM_ARN.replace(':stateMachine:', ':execution:')}:${name}`;
  const traffic = createTrafficHandler(trafficConfig);
  const ended = (name: string, status: string, error?: string, cause?: string) => ({
    version: '0',
    source: 'aws.states',
    'detail-type': 'Step Functions Execution Status Change',
    detail: { executionArn: arnOf(name), stateMachineArn: SM_ARN, name, status, error, cause },
  });
  /** A canary of model-2 baking at 0.1 under execution `name` (its run abandoned by `kill`). */
  async function baking(name: string, bake = 60_000) {
    await bootstrap();
    const run = start(name, upload('car_fit_model.onnx', 'model-2', { rollout: 'canary' }), { Bake: bake });
    await until(() => aws.alias?.weights['2'] === 0.1);
    return run;
  }
  const die = (name: string, status: FakeExecution['status'], error?: string) => {
    const e = aws.executions.get(arnOf(name));
    if (!e) throw new Error(`no execution ${name}`);
    Object.assign(e, { status, error });
    e.onStop?.();
  };

  it('supersede: a claim that fails stops nothing; the older canary keeps running and gated', async () => {
    await baking('older');
    aws.failCall('UpdateAliasCommand', 'AccessDeniedException', { times: 20 });
    const newer = await start('newer', upload('car_fit_model.onnx', 'model-3', { rollout: 'canary' })).done;
    expect(newer.status).toBe('FAILED');
    expect(aws.executions.get(arnOf('older'))?.status).toBe('RUNNING');
    expect(aws.calls).not.toContain('stop older');
    expect(aws.alias?.weights).toEqual({ '2': 0.1 });
    expect(readAliasNote(aws.alias?.description).owner).toBe('older');
    die('older', 'ABORTED');
  });

  it('supersede: a stop that fails after the claim leaves no weight, and the older upload can no longer write', async () => {
    healthy('1');
    healthy('2');
    const older = await baking('older', 300);
    aws.failCall('StopExecutionCommand', 'AccessDeniedException', { times: 20 });
    const newer = await start('newer', upload('car_fit_model.onnx', 'model-3', { rollout: 'canary' })).done;
    expect(newer.status).toBe('FAILED');
    expect(aws.alias?.weights).toEqual({});
    const o = await older.done;
    expect(o).toMatchObject({ status: 'FAILED', error: 'Superseded' });
    expect(aws.alias).toMatchObject({ version: '1', weights: {} });
  });

  it('a command whose alias write fails stops nothing: the canary keeps running and gated', async () => {
    await baking('canary');
    aws.failCall('UpdateAliasCommand', 'AccessDeniedException', { times: 20 });
    const p = await start('go', { command: 'promote' }).done;
    expect(p.status).toBe('FAILED');
    expect(aws.executions.get(arnOf('canary'))?.status).toBe('RUNNING');
    expect(aws.alias).toMatchObject({ version: '1', weights: { '2': 0.1 } });
    die('canary', 'ABORTED');
  });

  it('a command wins over an upload that started before it; an upload started after it proceeds', async () => {
    await bootstrap();
    await start('v2', upload('car_fit_model.onnx', 'model-2', { rollout: 'all-at-once' })).done;
    let letGo: () => void = () => undefined;
    holdValidation.set('early', new Promise<void>((r) => (letGo = r)));
    const early = start('early', upload('car_fit_model.onnx', 'model-3', { rollout: 'all-at-once' }));
    // $$.Execution.StartTime is the real clock: the command must start a few ms later.
    await new Promise((r) => setTimeout(r, 20));
    const back = await start('back', { command: 'rollback' }).done;
    expect(back.status).toBe('SUCCEEDED');
    letGo();
    expect(await early.done).toMatchObject({ status: 'FAILED', error: 'Superseded' });
    expect(aws.alias).toMatchObject({ version: '1', weights: {} });
    const late = await start('late', upload('car_fit_model.onnx', 'model-4', { rollout: 'all-at-once' }))
      .done;
    expect(late.status).toBe('SUCCEEDED');
    expect(aws.alias?.version).not.toBe('1');
  });

  it('supersede reads at most 5 ListExecutions pages and describes at most 50 executions', async () => {
    await bootstrap();
    for (let i = 0; i < 700; i++) {
      const name = `cmd-${i}`;
      aws.executions.set(arnOf(name), {
        arn: arnOf(name),
        name,
        status: 'RUNNING',
        startDate: new Date(1000 + i),
        input: '{"command":"abort"}',
      });
    }
    aws.calls = [];
    const r = await start('many', upload('car_fit_model.onnx', 'model-2', { rollout: 'all-at-once' })).done;
    expect(r.status).toBe('SUCCEEDED');
    expect(aws.calls.filter((c) => c === 'list executions')).toHaveLength(5);
    // Supersede's ≤ 50, plus the owner checks of Finish.
    expect(aws.calls.filter((c) => c === 'describe execution').length).toBeLessThanOrEqual(52);
  });

  it('reconciler: an owner that ended without succeeding loses its weight; the lineage says why', async () => {
    await baking('canary');
    die('canary', 'TIMED_OUT', 'States.Timeout');
    aws.failCall('UpdateAliasCommand', 'PreconditionFailedException'); // a racing write: re-read, retry
    const out = await traffic(ended('canary', 'TIMED_OUT', 'States.Timeout'));
    expect(out).toMatchObject({ reconciled: true, owner: 'canary', removed: { version: '2', weight: 0.1 } });
    expect(aws.alias).toMatchObject({ version: '1', weights: {} });
    expect(readAliasNote(aws.alias?.description).owner).toBe('canary'); // the watermark stays
    const l = lineage('canary');
    expect(l.outcome).toMatchObject({ status: 'reconciled', error: 'States.Timeout', by: 'reconciler' });
    expect(l.outcome.cause).toContain('TIMED_OUT');
    expect(l.weights.at(-1)).toMatchObject({ candidate: '2', weight: 0 });
    // Delivered again (at least once): nothing more changes.
    const writes = aws.aliasWrites.length;
    expect(await traffic(ended('canary', 'TIMED_OUT', 'States.Timeout'))).toMatchObject({
      reconciled: false,
    });
    expect(aws.aliasWrites).toHaveLength(writes);
    expect(lineage('canary').outcome.status).toBe('reconciled');
  });

  it('reconciler: any later event repairs an owner whose own event was lost', async () => {
    await baking('canary');
    die('canary', 'ABORTED');
    aws.executions.set(arnOf('other'), {
      arn: arnOf('other'),
      name: 'other',
      status: 'FAILED',
      startDate: new Date(),
      input: '{}',
    });
    expect(await traffic(ended('other', 'FAILED', 'BadRolloutRequest'))).toMatchObject({ reconciled: true });
    expect(aws.alias).toMatchObject({ version: '1', weights: {} });
    expect(lineage('canary').outcome).toMatchObject({ status: 'reconciled' });
  });

  it('reconciler: leaves a running canary and a held A/B alone; an ended execution without weight gets its outcome', async () => {
    const run = await baking('canary');
    expect(await traffic(ended('other', 'FAILED'))).toMatchObject({ reconciled: false });
    expect(aws.alias?.weights).toEqual({ '2': 0.1 });
    die('canary', 'ABORTED');
    await run.done;
    const env = aws.latest.env;
    aws = new FakeAws(); // a fresh stack for the A/B
    aws.install();
    aws.latest.env = env;
    await bootstrap();
    const ab = await start('ab', upload('car_fit_model.onnx', 'model-ab', { rollout: 'ab', weight: '0.2' }))
      .done;
    expect(ab.status).toBe('SUCCEEDED');
    const w = { ...aws.alias?.weights };
    expect(Object.values(w)).toEqual([0.2]);
    // An execution that died before traffic: its record was left in progress.
    aws.put(
      BUCKET,
      'rollouts/dead.json',
      JSON.stringify({
        ...lineage('ab'),
        execution: 'dead',
        outcome: { status: 'in-progress', at: 'x' },
        weights: [],
      }),
    );
    expect(await traffic(ended('dead', 'FAILED', 'States.Runtime', 'local cloud restarted'))).toMatchObject({
      reconciled: false,
    });
    expect(aws.alias?.weights).toEqual(w);
    expect(lineage('dead').outcome).toMatchObject({
      status: 'failed',
      error: 'States.Runtime',
      by: 'reconciler',
    });
  });
});
