import { createHash } from 'node:crypto';
import { StateMachine } from 'aws-local-stepfunctions';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseReleaseConfig } from '../../functions/rollout/release/config.js';
import { createReleaseHandler } from '../../functions/rollout/release/handler.js';
import { parseTrafficConfig } from '../../functions/rollout/traffic/config.js';
import { createTrafficHandler } from '../../functions/rollout/traffic/handler.js';
import { setClients } from '../../functions/shared/aws-clients.js';
import { rolloutDefinition, rolloutSubstitutions } from '../../statemachines/substitutions.js';
import { FakeAws, type FakeExecution, PERMISSIVE_LIMITS } from '../support/rollout-fake-aws.js';

/**
 * The rollback rule through the real ASL (aws-local-stepfunctions) with the real release and
 * traffic handlers over the in-memory AWS, as in rollout-state-machine.test.ts: rollback walks
 * back through the lineage's live versions and never lands on a version that was aborted or
 * rolled back.
 */

type JSONValue = Parameters<StateMachine['run']>[0];
const BUCKET = 'hypermob-models';
const SM_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:hypermob-model-rollout';
const subs = rolloutSubstitutions({ region: 'us-east-1', accountId: '123456789012' });
const definition = JSON.parse(rolloutDefinition(subs));
const stateMachine = new StateMachine(definition);
const trafficConfig = parseTrafficConfig({
  ...PERMISSIVE_LIMITS,
  DEFAULT_ROLLOUT: 'canary',
  DEFAULT_INTERVAL_SECONDS: '0',
});
const releaseConfig = parseReleaseConfig({ UPDATE_WAIT_SECONDS: '2', PRETRAFFIC_PROBES: '1' });

let aws: FakeAws;
let clock = 0;

async function fakeValidate(input: unknown) {
  const { bucket, key, executionName } = input as { bucket: string; key: string; executionName: string };
  const o = aws.objects.get(`${bucket}/${key}`);
  if (!o) throw new Error('no object');
  const sha256 = createHash('sha256').update(o.body).digest('hex');
  return { sha256, size: o.body.length, reportKey: `reports/${executionName}.json`, passed: true };
}

function handlers() {
  const byArn: Record<string, (input: unknown) => Promise<unknown>> = {
    [subs.ValidateFunctionArn]: fakeValidate,
    [subs.ReleaseFunctionArn]: createReleaseHandler(releaseConfig),
    [subs.TrafficFunctionArn]: createTrafficHandler(trafficConfig),
  };
  const out: Record<string, (input: JSONValue) => Promise<JSONValue>> = {};
  for (const [name, state] of Object.entries(
    definition.States as Record<string, { Type: string; Resource?: string }>,
  )) {
    const fn = state.Type === 'Task' ? byArn[state.Resource ?? ''] : undefined;
    if (fn) out[name] = fn as (input: JSONValue) => Promise<JSONValue>;
  }
  return out;
}

async function run(name: string, input: unknown): Promise<{ status: string; error?: string }> {
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
  const retries = Object.entries(definition.States as Record<string, { Retry?: unknown }>)
    .filter(([, s]) => s.Retry)
    .map(([n]) => [n, 0]);
  const r = stateMachine.run(input as never, {
    overrides: {
      taskResourceLocalHandlers: handlers(),
      waitTimeOverrides: { Bake: 0 },
      retryIntervalOverrides: Object.fromEntries(retries),
    },
    noThrowOnAbort: true,
    context: {
      Execution: { Id: arn, Name: name, StartTime: new Date(clock).toISOString(), Input: input as never },
      StateMachine: { Id: SM_ARN, Name: 'hypermob-model-rollout' },
    },
  });
  try {
    await r.result;
    execution.status = 'SUCCEEDED';
    return { status: 'SUCCEEDED' };
  } catch (err) {
    execution.status = 'FAILED';
    return { status: 'FAILED', error: ((err as Error).cause as Error | undefined)?.name };
  }
}

const upload = (body: string, metadata: Record<string, string>) => {
  const { size } = aws.put(BUCKET, 'car_fit_model.onnx', body, metadata);
  return {
    version: '0',
    source: 'aws.s3',
    'detail-type': 'Object Created',
    detail: { bucket: { name: BUCKET }, object: { key: 'car_fit_model.onnx', size } },
  };
};

/** Versions 1, 2, 3 went live one after another, all at once. */
async function threeVersions() {
  for (const n of [1, 2, 3]) {
    expect((await run(`v${n}`, upload(`model-${n}`, { rollout: 'all-at-once' }))).status).toBe('SUCCEEDED');
  }
  expect(aws.alias?.version).toBe('3');
}

beforeEach(() => {
  aws = new FakeAws();
  aws.install();
  aws.latest.env = { MODEL_BUCKET: BUCKET, MODEL_KEY: 'x', MODEL_SHA256: '0'.repeat(64) };
});
afterEach(() => setClients({}));

describe('rollback command through the state machine', () => {
  it('two rollbacks in a row walk back two versions (3 → 2 → 1), not back and forth', async () => {
    await threeVersions();
    expect((await run('rb1', { command: 'rollback' })).status).toBe('SUCCEEDED');
    expect(aws.alias).toMatchObject({ version: '2', weights: {} });
    expect((await run('rb2', { command: 'rollback' })).status).toBe('SUCCEEDED');
    expect(aws.alias).toMatchObject({ version: '1', weights: {} });
    // Nothing earlier than 1: a third plain rollback has nowhere fit to go.
    expect(await run('rb3', { command: 'rollback' })).toMatchObject({
      status: 'FAILED',
      error: 'NothingToDo',
    });
    expect(aws.alias?.version).toBe('1');
  });

  it('after an aborted A/B candidate, rollback goes to the version before the primary, never to the candidate', async () => {
    await threeVersions();
    expect((await run('ab', upload('model-4', { rollout: 'ab', weight: '0.5' }))).status).toBe('SUCCEEDED');
    expect(aws.alias).toMatchObject({ version: '3', weights: { '4': 0.5 } });
    expect((await run('abort', { command: 'abort' })).status).toBe('SUCCEEDED');
    expect((await run('rb', { command: 'rollback' })).status).toBe('SUCCEEDED');
    expect(aws.alias).toMatchObject({ version: '2', weights: {} });
    expect((await run('rb-again', { command: 'rollback' })).status).toBe('SUCCEEDED');
    expect(aws.alias).toMatchObject({ version: '1', weights: {} });
  });

  it('--version names a rolled-back version on purpose', async () => {
    await threeVersions();
    await run('rb1', { command: 'rollback' });
    expect((await run('to3', { command: 'rollback', version: '3' })).status).toBe('SUCCEEDED');
    expect(aws.alias?.version).toBe('3');
  });
});
