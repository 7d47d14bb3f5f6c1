/**
 * The operator's named errors, each with the exit code the CLI ends with (docs/operator.md,
 * "Exit codes"). Messages are one line that says what happened and what to do.
 */
export const EXIT = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  rejected: 3,
  rolledBack: 4,
  superseded: 5,
  nothingToDo: 6,
  notFound: 7,
  noCredentials: 8,
  unreachable: 9,
  timeout: 10,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export abstract class OperatorError extends Error {
  abstract readonly exitCode: ExitCode;
}

/** Bad arguments, or a file that is not an ONNX model. */
export class UsageError extends OperatorError {
  override name = 'Usage';
  readonly exitCode = EXIT.usage;
}

/** The model failed validation (locally or in the pipeline), or its pre-traffic probes. */
export class RejectedError extends OperatorError {
  override name = 'Rejected';
  readonly exitCode = EXIT.rejected;
}

/** Traffic had moved and went back: a gate breach, a rollback, an abort. */
export class RolledBackError extends OperatorError {
  override name = 'RolledBack';
  readonly exitCode = EXIT.rolledBack;
}

/** A later upload or a command took the rollout over. */
export class SupersededError extends OperatorError {
  override name = 'Superseded';
  readonly exitCode = EXIT.superseded;
}

/** promote / abort / rollback with nothing to act on. */
export class NothingToDoError extends OperatorError {
  override name = 'NothingToDo';
  readonly exitCode = EXIT.nothingToDo;
}

/** An unknown version, execution, report or stack. */
export class NotFoundError extends OperatorError {
  override name = 'NotFound';
  readonly exitCode = EXIT.notFound;
}

/** No credentials or no region. */
export class NoCredentialsError extends OperatorError {
  override name = 'NoCredentials';
  readonly exitCode = EXIT.noCredentials;
}

/** The endpoint does not answer (local cloud not started, no network, wrong URL). */
export class UnreachableError extends OperatorError {
  override name = 'Unreachable';
  readonly exitCode = EXIT.unreachable;
}

/** Still running when --timeout ran out; the rollout itself goes on. */
export class TimeoutError extends OperatorError {
  override name = 'Timeout';
  readonly exitCode = EXIT.timeout;
}

export function exitCodeOf(err: unknown): ExitCode {
  return err instanceof OperatorError ? err.exitCode : EXIT.unexpected;
}
