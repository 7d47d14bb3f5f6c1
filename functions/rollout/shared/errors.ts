/**
 * Named errors: the contract between the rollout functions and the state machine. Step Functions
 * sees a thrown error's `name` as the error type (Retry/Catch `ErrorEquals`) and its message as the
 * cause, so names are stable and messages say what to do. (`RolledBack` and `RollbackFailed` are not
 * thrown: the state machine's Fail states end an execution with them, after the rollback task.)
 */

/** The model failed validation or the pre-traffic check; nothing was changed. Not retried. */
export class ModelRejectedError extends Error {
  override name = 'ModelRejected';
}

/** The upload's rollout metadata (rollout, weight, interval, step) is invalid. Not retried. */
export class BadRolloutRequestError extends Error {
  override name = 'BadRolloutRequest';
}

/** A command (promote, abort, rollback) has nothing to act on. Not retried. */
export class NothingToDoError extends Error {
  override name = 'NothingToDo';
}

/** A newer upload took over; this execution stops without touching the alias. Not retried. */
export class SupersededError extends Error {
  override name = 'Superseded';
}

/** The function configuration is still updating (Lambda's 409); retried with backoff by the ASL. */
export class UpdateInProgressError extends Error {
  override name = 'UpdateInProgress';
}

/** Someone else changed the alias or function between read and write (412); retried by the ASL. */
export class ConcurrentChangeError extends Error {
  override name = 'ConcurrentChange';
}

/**
 * A lineage record (`rollouts/<execution>.json`) is not what the pipeline writes: hand-edited or
 * corrupt. Named so a step fails with the key and the problem instead of deep inside an update.
 */
export class CorruptLineageError extends Error {
  override name = 'CorruptLineage';
}
