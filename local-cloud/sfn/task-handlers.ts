import { parseFunctionRef } from './arns.js';
import { type HistoryDraft, lambdaEvents } from './history.js';
import { MAX_PAYLOAD_BYTES, resultTooLargeMessage } from './limits.js';

/**
 * aws-local-stepfunctions calls Lambda through its own SDK client unless a Task state has a local
 * handler. Every Lambda Task gets one here that invokes the local Lambda service directly and turns
 * a function error into a Task failure named after the error type, so ASL Retry/Catch on named
 * errors (e.g. "ModelRejected") behave as on AWS.
 */
export type Invoke = (
  functionName: string,
  qualifier: string,
  payload: Buffer,
) => Promise<{ statusCode: number; executedVersion: string; functionError?: string; payload: Buffer }>;

/** An error whose `name` is what ASL's ErrorEquals compares. */
export class TaskFailure extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** States.DataLimitExceeded: terminal, so neither Retry nor Catch (States.ALL) applies (limits.ts). */
export class DataLimitExceeded extends TaskFailure {
  // Flags aws-local-stepfunctions reads before retrying or catching an error.
  readonly isRetryable = false;
  readonly isCatchable = false;
  constructor(stateName: string) {
    super('States.DataLimitExceeded', resultTooLargeMessage(stateName));
  }
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Definition = { States?: Record<string, Record<string, unknown>> };

const OPTIMISED_INVOKE = /^arn:aws[a-z-]*:states:::lambda:invoke$/;

/** Task state name → Resource, through Parallel branches and Map iterators. */
export function lambdaTaskStates(def: Definition, out = new Map<string, string>()): Map<string, string> {
  for (const [name, state] of Object.entries(def.States ?? {})) {
    if (state.Type === 'Task' && typeof state.Resource === 'string') {
      if (state.Resource.includes(':lambda:')) out.set(name, state.Resource);
    }
    for (const nested of [
      ...((state.Branches as Definition[] | undefined) ?? []),
      state.Iterator as Definition | undefined,
      state.ItemProcessor as Definition | undefined,
    ]) {
      if (nested) lambdaTaskStates(nested, out);
    }
  }
  return out;
}

export function taskHandlers(
  def: Definition,
  invoke: Invoke,
  record: (stateName: string, draft: HistoryDraft) => void,
): Record<string, (input: Json) => Promise<Json>> {
  const handlers: Record<string, (input: Json) => Promise<Json>> = {};
  for (const [stateName, resource] of lambdaTaskStates(def)) {
    handlers[stateName] = async (input: Json) => {
      const optimised = OPTIMISED_INVOKE.test(resource);
      const target = optimised ? String((input as Record<string, Json>)?.FunctionName ?? '') : resource;
      const payload = optimised ? ((input as Record<string, Json>)?.Payload ?? null) : input;
      const { name, qualifier } = parseFunctionRef(target);
      record(stateName, lambdaEvents.scheduled(target, payload));
      let result: Awaited<ReturnType<Invoke>>;
      try {
        record(stateName, lambdaEvents.started());
        result = await invoke(name, qualifier ?? '$LATEST', Buffer.from(JSON.stringify(payload)));
      } catch (err) {
        // Lambda's API error type (ResourceConflictException…) names the failure, as on AWS.
        const type = (err as { type?: unknown }).type;
        const failure = new TaskFailure(
          `Lambda.${typeof type === 'string' ? type : err instanceof Error && err.name !== 'Error' ? err.name : 'ServiceException'}`,
          err instanceof Error ? err.message : String(err),
        );
        record(stateName, lambdaEvents.failed(failure.name, failure.message));
        throw failure;
      }
      const text = result.payload.toString('utf8');
      const parsed = text.length > 0 ? (JSON.parse(text) as Json) : null;
      if (result.functionError) {
        const body = (parsed ?? {}) as Record<string, Json>;
        const failure = new TaskFailure(
          String(body.errorType ?? result.functionError),
          String(body.errorMessage ?? text),
        );
        record(stateName, lambdaEvents.failed(failure.name, failure.message));
        throw failure;
      }
      const output: Json = optimised
        ? { ExecutedVersion: result.executedVersion, Payload: parsed, StatusCode: result.statusCode }
        : parsed;
      // The function succeeded; the state's result is what Step Functions refuses.
      record(stateName, lambdaEvents.succeeded(parsed));
      if (Buffer.byteLength(JSON.stringify(output)) > MAX_PAYLOAD_BYTES)
        throw new DataLimitExceeded(stateName);
      return output;
    };
  }
  return handlers;
}

/** Wait `Seconds` and Retry intervals scaled by `scale` (ms), for tests that must not sleep minutes. */
export function scaledOverrides(def: Definition, scale: number) {
  const waits: Record<string, number> = {};
  const retries: Record<string, number[]> = {};
  const walk = (d: Definition) => {
    for (const [name, state] of Object.entries(d.States ?? {})) {
      if (state.Type === 'Wait' && typeof state.Seconds === 'number')
        waits[name] = state.Seconds * 1000 * scale;
      if (Array.isArray(state.Retry)) {
        retries[name] = (state.Retry as { IntervalSeconds?: number }[]).map(
          (r) => (r.IntervalSeconds ?? 1) * 1000 * scale,
        );
      }
      for (const nested of [
        ...((state.Branches as Definition[] | undefined) ?? []),
        state.Iterator as Definition | undefined,
        state.ItemProcessor as Definition | undefined,
      ]) {
        if (nested) walk(nested);
      }
    }
  };
  walk(def);
  return { waitTimeOverrides: waits, retryIntervalOverrides: retries };
}
