import { type ExitCode, NothingToDoError } from '../errors.js';
import { connect } from '../read-model/connect.js';
import { status } from '../read-model/status.js';
import type { TargetOptions } from '../read-model/target.js';
import { paintFor } from '../render/paint.js';
import { exitFor, follow } from './follow.js';

/** `hypermob watch`: the given execution, else the rollout in flight; its exit code as upload's. */
export async function watch(
  execution: string | undefined,
  target: TargetOptions,
  timeout?: number,
): Promise<ExitCode> {
  const c = await connect(target);
  const name = execution ?? (await status(c)).inFlight?.execution;
  if (!name)
    throw new NothingToDoError('no rollout in flight to watch; name an execution (npx hypermob history)');
  const view = await follow(
    c,
    name,
    { write: (t) => process.stdout.write(t), isTTY: Boolean(process.stdout.isTTY) },
    paintFor(process.stdout),
    {
      ...(timeout ? { timeoutMs: timeout * 1000 } : {}),
    },
  );
  return exitFor(view);
}
