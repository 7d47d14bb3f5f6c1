import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { commandSchema } from '../../functions/rollout/shared/state.js';
import { NotFoundError, UsageError } from '../errors.js';
import type { Connection } from '../read-model/connect.js';

/**
 * Starts a command execution of the rollout state machine (docs/rollout.md, "Commands"): the
 * pipeline decides and records it; this only checks what it can say more clearly first (a version
 * that is not published).
 */
export async function startCommand(
  c: Connection,
  command: 'promote' | 'abort' | 'rollback',
  version?: string,
): Promise<string> {
  const parsed = commandSchema.safeParse({ command, ...(version ? { version } : {}) });
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => i.message).join('; '));
  if (parsed.data.version) await assertPublished(c, parsed.data.version);
  const out = await c.sfn.send(
    new StartExecutionCommand({
      stateMachineArn: c.target.stateMachineArn,
      input: JSON.stringify(parsed.data),
    }),
  );
  return out.executionArn ?? '';
}

async function assertPublished(c: Connection, version: string): Promise<void> {
  try {
    await c.lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: c.target.functionName, Qualifier: version }),
    );
  } catch (err) {
    if (err instanceof Error && err.name === 'ResourceNotFoundException')
      throw new NotFoundError(`version ${version} is not a published version of ${c.target.functionName}`);
    throw err;
  }
}
