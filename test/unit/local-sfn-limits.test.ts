import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { StateMachine } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import { MAX_PAYLOAD_BYTES } from '../../local-cloud/sfn/limits.js';
import { startSfnService } from '../../local-cloud/sfn/service.js';
import { type Definition, taskHandlers } from '../../local-cloud/sfn/task-handlers.js';

/**
 * A Task whose Lambda result exceeds 256 KiB fails the execution with States.DataLimitExceeded,
 * which neither Retry nor a States.ALL Catch handle; a result just under passes.
 */
const FN = 'arn:aws:lambda:us-east-1:000000000000:function:big';
const definition = {
  StartAt: 'Big',
  States: {
    Big: {
      Type: 'Task',
      Resource: FN,
      Retry: [{ ErrorEquals: ['States.ALL'], MaxAttempts: 2, IntervalSeconds: 0 }],
      Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }],
      End: true,
    },
    Caught: { Type: 'Pass', Result: 'caught', End: true },
  },
};

async function runWithResult(bytes: number) {
  let calls = 0;
  // A JSON string of `bytes` bytes in total (its quotes included).
  const invoke = async () => {
    calls += 1;
    return {
      statusCode: 200,
      executedVersion: '1',
      payload: Buffer.from(JSON.stringify('x'.repeat(bytes - 2))),
    };
  };
  const handlers = taskHandlers(definition as Definition, invoke, () => {});
  const machine = new StateMachine(definition as never);
  const execution = machine.run({}, { overrides: { taskResourceLocalHandlers: handlers } });
  try {
    return { output: await execution.result, calls };
  } catch (err) {
    return { error: err as Error, calls };
  }
}

describe('Step Functions payload limit on Task results', () => {
  it('passes a result of exactly 256 KiB', async () => {
    const r = await runWithResult(MAX_PAYLOAD_BYTES);
    expect(r.error).toBeUndefined();
    expect(String(r.output)).toHaveLength(MAX_PAYLOAD_BYTES - 2);
  });

  it('fails the execution on a larger one, not retried and not caught by States.ALL', async () => {
    const r = await runWithResult(MAX_PAYLOAD_BYTES + 1);
    expect(r.calls).toBe(1);
    const cause = (r.error as { cause?: Error } | undefined)?.cause;
    expect(cause).toMatchObject({ name: 'States.DataLimitExceeded' });
    expect(cause?.message).toMatch(/The state\/task 'Big' returned a result with a size exceeding/);
  });
});

describe('StartExecution input limit', () => {
  it('takes 256 KiB of input and refuses one byte more with ValidationException', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'hm-sfn-limits-'));
    const sfn = await startSfnService({
      dataDir,
      region: 'us-east-1',
      accountId: '000000000000',
      timeScale: 1,
      invoke: async () => ({ statusCode: 200, executedVersion: '1', payload: Buffer.from('{}') }),
    });
    try {
      const { stateMachineArn } = await sfn.call('CreateStateMachine', {
        name: 'limits',
        definition: JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }),
        roleArn: 'arn:aws:iam::000000000000:role/r',
      });
      const input = (bytes: number) => JSON.stringify({ s: 'x'.repeat(bytes - 8) });
      expect(Buffer.byteLength(input(MAX_PAYLOAD_BYTES))).toBe(MAX_PAYLOAD_BYTES);
      await expect(
        sfn.call('StartExecution', { stateMachineArn, input: input(MAX_PAYLOAD_BYTES) }),
      ).resolves.toHaveProperty('executionArn');
      await expect(
        sfn.call('StartExecution', { stateMachineArn, input: input(MAX_PAYLOAD_BYTES + 1) }),
      ).rejects.toMatchObject({
        type: 'ValidationException',
        message: expect.stringMatching(/less than or equal to 262144/),
      });
      await sfn.drain();
    } finally {
      await sfn.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
