import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventPattern } from '../../local-cloud/events/pattern.js';
import { rolloutEventPattern } from '../../statemachines/rollout-trigger.js';
import { MODEL_BUCKET_NAME } from '../../system/manifest.js';
import { awsCli, itWithAwsCli } from '../support/aws-cli.js';
import { type LocalCloudFixture, startLocalCloudFixture } from '../support/local-cloud.js';

/**
 * Step Functions on the local endpoint with a small machine of its own: a Lambda Task that can
 * succeed or throw a named error, Retry/Catch on that name, a Wait (scaled), Choice, Fail.
 */
let f: LocalCloudFixture;
let codeDir: string;
let machineArn: string;

const FN = 'local-sfn-test-fn';
const HANDLER = `
const seen = new Set();
export const handler = async (event) => {
  if (event.fail === 'always') {
    const e = new Error('the model is not acceptable: ' + event.why);
    e.name = 'ModelRejected';
    throw e;
  }
  if (event.fail === 'once' && !seen.has(event.token)) {
    seen.add(event.token);
    const e = new Error('try again');
    e.name = 'Transient';
    throw e;
  }
  return { ok: true, echo: event };
};
`;

function definition(fnArn: string) {
  return JSON.stringify({
    StartAt: 'Call',
    States: {
      Call: {
        Type: 'Task',
        Resource: fnArn,
        Retry: [{ ErrorEquals: ['Transient'], IntervalSeconds: 1, MaxAttempts: 2 }],
        Catch: [{ ErrorEquals: ['ModelRejected'], ResultPath: '$.error', Next: 'Rejected' }],
        ResultPath: '$.result',
        Next: 'Pause',
      },
      Pause: { Type: 'Wait', Seconds: 3, Next: 'Long?' },
      'Long?': {
        Type: 'Choice',
        Choices: [{ Variable: '$.long', IsPresent: true, Next: 'LongPause' }],
        Default: 'Done',
      },
      LongPause: { Type: 'Wait', Seconds: 100000, Next: 'Done' },
      Rejected: { Type: 'Fail', Error: 'ModelRejected', Cause: 'validation failed' },
      Done: { Type: 'Succeed' },
    },
  });
}

beforeAll(async () => {
  f = await startLocalCloudFixture({ functions: 'none', model: false, rollout: false });
  codeDir = await mkdtemp(path.join(tmpdir(), 'hypermob-fn-'));
  await mkdir(codeDir, { recursive: true });
  await writeFile(path.join(codeDir, 'index.mjs'), HANDLER);
  await f.cloud.lambda.ensureFunction({
    name: FN,
    bundleDir: codeDir,
    environment: {},
    memoryMb: 128,
    timeoutSeconds: 10,
  });
  const fnArn = `arn:aws:lambda:${f.region}:${f.accountId}:function:${FN}`;
  const created = await f.clients.sfn.send(
    new CreateStateMachineCommand({
      name: 'local-test-machine',
      definition: definition(fnArn),
      roleArn: 'arn:aws:iam::000000000000:role/x',
    }),
  );
  machineArn = created.stateMachineArn as string;
});

afterAll(async () => {
  await f?.stop();
  if (codeDir) await rm(codeDir, { recursive: true, force: true });
});

async function waitDone(executionArn: string, timeoutMs = 20_000): Promise<DescribeExecutionCommandOutput> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const d = await f.clients.sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (d.status !== 'RUNNING' || Date.now() > until) return d;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function historyTypes(executionArn: string): Promise<string[]> {
  const h = await f.clients.sfn.send(new GetExecutionHistoryCommand({ executionArn }));
  return (h.events ?? []).map((e) => e.type as string);
}

describe('Step Functions API', () => {
  it('runs a Lambda Task, a scaled Wait and a Choice to SUCCEEDED with an AWS-shaped history', async () => {
    const start = await f.clients.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: machineArn,
        name: 'happy',
        input: JSON.stringify({ x: 1 }),
      }),
    );
    const d = await waitDone(start.executionArn as string);
    expect(d.status).toBe('SUCCEEDED');
    expect(d.startDate).toBeInstanceOf(Date);
    expect(JSON.parse(d.output as string)).toMatchObject({ x: 1, result: { ok: true, echo: { x: 1 } } });
    const h = await f.clients.sfn.send(new GetExecutionHistoryCommand({ executionArn: start.executionArn }));
    const events = h.events ?? [];
    expect(events.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'WaitStateEntered',
      'WaitStateExited',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    expect(events[2]?.lambdaFunctionScheduledEventDetails?.resource).toContain(`function:${FN}`);
  });

  it('retries a named error, then catches another into a Fail with error and cause', async () => {
    const retried = await f.clients.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: machineArn,
        input: JSON.stringify({ fail: 'once', token: Math.random() }),
      }),
    );
    expect((await waitDone(retried.executionArn as string)).status).toBe('SUCCEEDED');
    const types = await historyTypes(retried.executionArn as string);
    expect(types.filter((t) => t === 'LambdaFunctionFailed')).toHaveLength(1);
    expect(types.filter((t) => t === 'LambdaFunctionSucceeded')).toHaveLength(1);

    const rejected = await f.clients.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: machineArn,
        input: JSON.stringify({ fail: 'always', why: 'bias' }),
      }),
    );
    const d = await waitDone(rejected.executionArn as string);
    expect(d).toMatchObject({ status: 'FAILED', error: 'ModelRejected', cause: 'validation failed' });
    const h = await f.clients.sfn.send(
      new GetExecutionHistoryCommand({ executionArn: rejected.executionArn }),
    );
    const failed = h.events?.find((e) => e.type === 'LambdaFunctionFailed');
    expect(failed?.lambdaFunctionFailedEventDetails).toEqual({
      error: 'ModelRejected',
      cause: 'the model is not acceptable: bias',
    });
    expect(h.events?.at(-1)?.executionFailedEventDetails).toEqual({
      error: 'ModelRejected',
      cause: 'validation failed',
    });
  });

  it('refuses a duplicate execution name, stops a running execution, filters by status', async () => {
    const long = await f.clients.sfn.send(
      new StartExecutionCommand({ stateMachineArn: machineArn, name: 'long-one', input: '{"long":true}' }),
    );
    // Same name and input while running: AWS returns the same execution.
    const again = await f.clients.sfn.send(
      new StartExecutionCommand({ stateMachineArn: machineArn, name: 'long-one', input: '{"long":true}' }),
    );
    expect(again.executionArn).toBe(long.executionArn);
    await expect(
      f.clients.sfn.send(
        new StartExecutionCommand({ stateMachineArn: machineArn, name: 'long-one', input: '{}' }),
      ),
    ).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });

    const running = await f.clients.sfn.send(
      new ListExecutionsCommand({ stateMachineArn: machineArn, statusFilter: 'RUNNING' }),
    );
    expect(running.executions?.map((e) => e.name)).toContain('long-one');
    await f.clients.sfn.send(new StopExecutionCommand({ executionArn: long.executionArn, cause: 'test' }));
    const d = await waitDone(long.executionArn as string);
    expect(d.status).toBe('ABORTED');
    expect((await historyTypes(long.executionArn as string)).at(-1)).toBe('ExecutionAborted');
    const aborted = await f.clients.sfn.send(
      new ListExecutionsCommand({ stateMachineArn: machineArn, statusFilter: 'ABORTED' }),
    );
    expect(aborted.executions?.map((e) => e.name)).toEqual(['long-one']);
    await expect(
      f.clients.sfn.send(new StartExecutionCommand({ stateMachineArn: machineArn, name: 'long-one' })),
    ).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
  });

  it('answers unknown resources with the AWS error types', async () => {
    await expect(
      f.clients.sfn.send(new StartExecutionCommand({ stateMachineArn: `${machineArn}-nope` })),
    ).rejects.toMatchObject({ name: 'StateMachineDoesNotExist' });
    await expect(
      f.clients.sfn.send(
        new DescribeExecutionCommand({
          executionArn: machineArn.replace(':stateMachine:', ':execution:').concat(':nope'),
        }),
      ),
    ).rejects.toMatchObject({ name: 'ExecutionDoesNotExist' });
    await expect(
      f.clients.sfn.send(
        new CreateStateMachineCommand({
          name: 'bad',
          definition: '{"StartAt":"X","States":{}}',
          roleArn: 'r',
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidDefinition' });
  });

  itWithAwsCli('works with the AWS CLI', async () => {
    const list = await awsCli(f, ['stepfunctions', 'list-state-machines']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.json).toMatchObject({
      stateMachines: [{ name: 'local-test-machine', stateMachineArn: machineArn }],
    });
    const start = await awsCli(f, [
      'stepfunctions',
      'start-execution',
      '--state-machine-arn',
      machineArn,
      '--name',
      'from-cli',
      '--input',
      '{"cli":true}',
    ]);
    expect(start.code, start.stderr).toBe(0);
    const arn = (start.json as { executionArn: string }).executionArn;
    await waitDone(arn);
    const describe = await awsCli(f, ['stepfunctions', 'describe-execution', '--execution-arn', arn]);
    expect(describe.json).toMatchObject({ status: 'SUCCEEDED', name: 'from-cli' });
    const history = await awsCli(f, ['stepfunctions', 'get-execution-history', '--execution-arn', arn]);
    expect(history.code, history.stderr).toBe(0);
    expect((history.json as { events: { type: string }[] }).events.at(-1)?.type).toBe('ExecutionSucceeded');
    const executions = await awsCli(f, [
      'stepfunctions',
      'list-executions',
      '--state-machine-arn',
      machineArn,
    ]);
    expect((executions.json as { executions: { name: string }[] }).executions.map((e) => e.name)).toContain(
      'from-cli',
    );
  });
});

describe('S3 → EventBridge → Step Functions', () => {
  it('starts an execution for an .onnx upload with the whole event as input, not for a .txt', async () => {
    const { CreateBucketCommand } = await import('@aws-sdk/client-s3');
    // The bootstrap creates the bucket; a second CreateBucket is the SDK's BucketAlreadyExists.
    await f.clients.s3.send(new CreateBucketCommand({ Bucket: MODEL_BUCKET_NAME })).catch(() => {});
    const fnArn = `arn:aws:lambda:${f.region}:${f.accountId}:function:${FN}`;
    const echo = await f.clients.sfn.send(
      new CreateStateMachineCommand({
        name: 'local-test-uploads',
        definition: JSON.stringify({ StartAt: 'Echo', States: { Echo: { Type: 'Pass', End: true } } }),
        roleArn: 'arn:aws:iam::000000000000:role/x',
      }),
    );
    void fnArn;
    f.cloud.events.putRule({
      name: 'test-uploads',
      pattern: rolloutEventPattern() as EventPattern,
      target: (event) =>
        f.cloud.sfn.call('StartExecution', {
          stateMachineArn: echo.stateMachineArn,
          input: JSON.stringify(event),
        }),
    });
    try {
      await f.clients.s3.send(
        new PutObjectCommand({ Bucket: MODEL_BUCKET_NAME, Key: 'notes.txt', Body: 'x' }),
      );
      await f.clients.s3.send(
        new PutObjectCommand({ Bucket: MODEL_BUCKET_NAME, Key: 'candidates/m1.onnx', Body: 'onnx!' }),
      );
      await f.cloud.events.drain();
      const list = await f.clients.sfn.send(
        new ListExecutionsCommand({ stateMachineArn: echo.stateMachineArn }),
      );
      expect(list.executions).toHaveLength(1);
      const d = await waitDone(list.executions?.[0]?.executionArn as string);
      const event = JSON.parse(d.input as string);
      expect(event).toMatchObject({
        version: '0',
        source: 'aws.s3',
        'detail-type': 'Object Created',
        account: f.accountId,
        region: f.region,
        resources: [`arn:aws:s3:::${MODEL_BUCKET_NAME}`],
        detail: {
          bucket: { name: MODEL_BUCKET_NAME },
          object: { key: 'candidates/m1.onnx', size: 5 },
          reason: 'PutObject',
        },
      });
      expect(event.detail.object.etag).toMatch(/^[0-9a-f]{32}$/);
    } finally {
      f.cloud.events.removeRule('test-uploads');
    }
  });
});
