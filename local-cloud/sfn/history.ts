/**
 * Execution history in the Step Functions API's shape, built from aws-local-stepfunctions' event
 * log plus the Lambda events the local Task handler records. Pure, so the mapping is unit tested.
 */
export interface HistoryEvent {
  id: number;
  previousEventId: number;
  timestamp: number;
  type: string;
  [details: string]: unknown;
}

/** The subset of aws-local-stepfunctions' EventLog this mapping reads. */
export interface EngineEvent {
  type: string;
  timestamp: number;
  input?: unknown;
  output?: unknown;
  Error?: string;
  Cause?: unknown;
  index?: number;
  state?: { name: string; type: string; input?: unknown; output?: unknown };
  parentState?: { name: string; type: string };
}

export type HistoryDraft = { type: string; timestamp: number } & Record<string, unknown>;

const json = (v: unknown) => JSON.stringify(v ?? null);
const seconds = (ms: number) => ms / 1000;
const causeText = (c: unknown) => (typeof c === 'string' ? c : c === undefined ? '' : JSON.stringify(c));

export function fromEngineEvent(e: EngineEvent, roleArn: string): HistoryDraft | undefined {
  const t = seconds(e.timestamp);
  switch (e.type) {
    case 'ExecutionStarted':
      return {
        type: 'ExecutionStarted',
        timestamp: t,
        executionStartedEventDetails: { input: json(e.input), inputDetails: { truncated: false }, roleArn },
      };
    case 'ExecutionSucceeded':
      return {
        type: 'ExecutionSucceeded',
        timestamp: t,
        executionSucceededEventDetails: { output: json(e.output), outputDetails: { truncated: false } },
      };
    case 'ExecutionFailed':
      return failed(t, e.Error ?? 'States.Runtime', causeText(e.Cause));
    case 'ExecutionAborted':
      return { type: 'ExecutionAborted', timestamp: t, executionAbortedEventDetails: {} };
    case 'ExecutionTimeout':
      return {
        type: 'ExecutionTimedOut',
        timestamp: t,
        executionTimedOutEventDetails: { error: 'States.Timeout', cause: 'The execution timed out' },
      };
    case 'StateEntered':
      if (!e.state) return undefined;
      return {
        type: `${e.state.type}StateEntered`,
        timestamp: t,
        stateEnteredEventDetails: {
          name: e.state.name,
          input: json(e.state.input),
          inputDetails: { truncated: false },
        },
      };
    case 'StateExited':
      if (!e.state) return undefined;
      return {
        type: `${e.state.type}StateExited`,
        timestamp: t,
        stateExitedEventDetails: {
          name: e.state.name,
          output: json(e.state.output),
          outputDetails: { truncated: false },
        },
      };
    case 'MapIterationStarted':
    case 'MapIterationSucceeded':
    case 'MapIterationFailed': {
      const key = `${e.type[0]?.toLowerCase()}${e.type.slice(1)}EventDetails`;
      return { type: e.type, timestamp: t, [key]: { name: e.parentState?.name ?? '', index: e.index ?? 0 } };
    }
    default:
      // StateFailed/StateRetried/StateCaught and parallel branch events have no counterpart: AWS
      // shows a retry as a new LambdaFunctionScheduled and a catch as the next state's entry.
      return undefined;
  }
}

export function failed(timestamp: number, error: string, cause: string): HistoryDraft {
  return { type: 'ExecutionFailed', timestamp, executionFailedEventDetails: { error, cause } };
}

export const lambdaEvents = {
  scheduled: (resource: string, input: unknown, timeoutSeconds?: number): HistoryDraft => ({
    type: 'LambdaFunctionScheduled',
    timestamp: seconds(Date.now()),
    lambdaFunctionScheduledEventDetails: {
      resource,
      input: json(input),
      inputDetails: { truncated: false },
      ...(timeoutSeconds ? { timeoutInSeconds: timeoutSeconds } : {}),
    },
  }),
  started: (): HistoryDraft => ({ type: 'LambdaFunctionStarted', timestamp: seconds(Date.now()) }),
  succeeded: (output: unknown): HistoryDraft => ({
    type: 'LambdaFunctionSucceeded',
    timestamp: seconds(Date.now()),
    lambdaFunctionSucceededEventDetails: { output: json(output), outputDetails: { truncated: false } },
  }),
  failed: (error: string, cause: string): HistoryDraft => ({
    type: 'LambdaFunctionFailed',
    timestamp: seconds(Date.now()),
    lambdaFunctionFailedEventDetails: { error, cause },
  }),
};

/** Appends drafts with ids chained like AWS's (previousEventId = the event before it). */
export function appendEvents(history: HistoryEvent[], drafts: HistoryDraft[]): void {
  for (const d of drafts) {
    const last = history[history.length - 1];
    history.push({ ...d, id: (last?.id ?? 0) + 1, previousEventId: last?.id ?? 0 });
  }
}
