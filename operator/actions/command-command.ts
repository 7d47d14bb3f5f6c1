import type { ExitCode } from '../errors.js';
import { connect } from '../read-model/connect.js';
import type { TargetOptions } from '../read-model/target.js';
import { paintFor } from '../render/paint.js';
import { startCommand } from './command.js';
import { exitFor, follow } from './follow.js';

/** promote / abort / rollback: start the command execution and follow it to its outcome. */
export async function runCommand(
  command: 'promote' | 'abort' | 'rollback',
  target: TargetOptions,
  o: { version?: string; timeout?: number } = {},
): Promise<ExitCode> {
  const c = await connect(target);
  const arn = await startCommand(c, command, o.version);
  const view = await follow(
    c,
    arn,
    { write: (t) => process.stdout.write(t), isTTY: Boolean(process.stdout.isTTY) },
    paintFor(process.stdout),
    {
      ...(o.timeout ? { timeoutMs: o.timeout * 1000 } : {}),
    },
  );
  return exitFor(view);
}
