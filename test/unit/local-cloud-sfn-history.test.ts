import { describe, expect, it } from 'vitest';
import { appendEvents, fromEngineEvent, type HistoryEvent } from '../../local-cloud/sfn/history.js';
import {
  lambdaTaskStates,
  scaledOverrides,
  TaskFailure,
  taskHandlers,
} from '../../local-cloud/sfn/task-handlers.js';

const ROLE = 'arn:aws:iam::0:role/r';

describe('fromEngineEvent', () => {
  it('maps state and execution events to the Step Functions history shape', () => {
    expect(fromEngineEvent({ type: 'ExecutionStarted', timestamp: 1500, input: { a: 1 } }, ROLE)).toEqual({
      type: 'ExecutionStarted',
      timestamp: 1.5,
      executionStartedEventDetails: { input: '{"a":1}', inputDetails: { truncated: false }, roleArn: ROLE },
    });
    expect(
      fromEngineEvent(
        { type: 'StateEntered', timestamp: 0, state: { name: 'Plan', type: 'Task', input: {} } },
        ROLE,
      ),
    ).toMatchObject({ type: 'TaskStateEntered', stateEnteredEventDetails: { name: 'Plan', input: '{}' } });
    expect(
      fromEngineEvent({ type: 'ExecutionFailed', timestamp: 0, Error: 'ModelRejected', Cause: 'bad' }, ROLE),
    ).toMatchObject({ executionFailedEventDetails: { error: 'ModelRejected', cause: 'bad' } });
    expect(fromEngineEvent({ type: 'ExecutionTimeout', timestamp: 0 }, ROLE)?.type).toBe('ExecutionTimedOut');
    expect(fromEngineEvent({ type: 'StateRetried', timestamp: 0 }, ROLE)).toBeUndefined();
  });

  it('chains ids and previousEventId', () => {
    const h: HistoryEvent[] = [];
    appendEvents(h, [
      { type: 'A', timestamp: 1 },
      { type: 'B', timestamp: 2 },
    ]);
    appendEvents(h, [{ type: 'C', timestamp: 3 }]);
    expect(h.map((e) => [e.id, e.previousEventId])).toEqual([
      [1, 0],
      [2, 1],
      [3, 2],
    ]);
  });
});

const def = {
  States: {
    A: {
      Type: 'Task',
      Resource: 'arn:aws:lambda:us-east-1:0:function:fa:live',
      Retry: [{ IntervalSeconds: 2 }],
    },
    W: { Type: 'Wait', Seconds: 30 },
    P: {
      Type: 'Parallel',
      Branches: [{ States: { B: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke' } } }],
    },
  },
};

describe('task handlers', () => {
  it('finds Lambda tasks through Parallel branches', () => {
    expect([...lambdaTaskStates(def).keys()]).toEqual(['A', 'B']);
  });

  it('invokes the function with its qualifier and returns the parsed payload', async () => {
    const calls: string[] = [];
    const handlers = taskHandlers(
      def,
      async (name, qualifier, payload) => {
        calls.push(`${name}:${qualifier}:${payload.toString()}`);
        return { statusCode: 200, executedVersion: '3', payload: Buffer.from('{"ok":true}') };
      },
      () => {},
    );
    expect(await handlers.A?.({ x: 1 })).toEqual({ ok: true });
    expect(await handlers.B?.({ FunctionName: 'fb', Payload: { y: 2 } })).toEqual({
      ExecutedVersion: '3',
      Payload: { ok: true },
      StatusCode: 200,
    });
    expect(calls).toEqual(['fa:live:{"x":1}', 'fb:$LATEST:{"y":2}']);
  });

  it('turns a function error into a Task failure named by errorType with errorMessage as cause', async () => {
    const recorded: string[] = [];
    const handlers = taskHandlers(
      def,
      async () => ({
        statusCode: 200,
        executedVersion: '1',
        functionError: 'Unhandled',
        payload: Buffer.from('{"errorType":"ModelRejected","errorMessage":"too slow","trace":[]}'),
      }),
      (_s, d) => recorded.push(d.type),
    );
    const err = await handlers.A?.({}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskFailure);
    expect(err).toMatchObject({ name: 'ModelRejected', message: 'too slow' });
    expect(recorded).toEqual(['LambdaFunctionScheduled', 'LambdaFunctionStarted', 'LambdaFunctionFailed']);
  });

  it('scales Wait seconds and Retry intervals', () => {
    expect(scaledOverrides(def, 0.01)).toEqual({
      waitTimeOverrides: { W: 300 },
      retryIntervalOverrides: { A: [20] },
    });
  });
});
