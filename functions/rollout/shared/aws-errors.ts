import { ConcurrentChangeError, UpdateInProgressError } from './errors.js';

/**
 * Maps the Lambda API's conflict answers onto the named errors the state machine retries:
 * 412 PreconditionFailed (someone changed the alias/function since we read it) → ConcurrentChange,
 * 409 ResourceConflict (an update is still in progress) → UpdateInProgress. Everything else passes.
 */
export function translateLambdaError(err: unknown, what: string): unknown {
  const name = err instanceof Error ? err.name : '';
  const message = err instanceof Error ? err.message : String(err);
  if (name === 'PreconditionFailedException') {
    return new ConcurrentChangeError(`${what}: changed concurrently (${message}); re-read and retry`, {
      cause: err,
    });
  }
  if (name === 'ResourceConflictException') {
    return new UpdateInProgressError(`${what}: update in progress (${message}); retry later`, { cause: err });
  }
  return err;
}

export async function lambdaCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw translateLambdaError(err, what);
  }
}

export function isNotFound(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return ['ResourceNotFoundException', 'NotFound', 'NoSuchKey'].includes(err.name);
}
