import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { lambda } from '../../shared/aws-clients.js';
import { isNotFound } from '../shared/aws-errors.js';
import { BadRolloutRequestError } from '../shared/errors.js';
import { executionArn, executionStatus, stopExecution } from '../shared/executions.js';
import { addWeightChange, patchLineage, withOutcome } from '../shared/lineage.js';
import { updateLineage } from '../shared/lineage-store.js';
import { readLive, writeLive } from '../shared/live-alias.js';
import { commandSchema, type ExecutionContext } from '../shared/state.js';
import { decideCommand } from './commands.js';
import type { TrafficConfig } from './config.js';
import { stateMachineArnOf } from './context.js';

/**
 * `{"command": "promote" | "abort" | "rollback", "version"?: "N"}`: decides from the alias
 * (commands.ts), stops the execution that owns the candidate weight if it is still running
 * (so it cannot write again), then writes the alias under its RevisionId.
 */
export async function commandStep(input: unknown, execution: ExecutionContext, config: TrafficConfig) {
  const parsed = commandSchema.safeParse(input);
  if (!parsed.success) {
    throw new BadRolloutRequestError(
      `invalid command: ${parsed.error.issues.map((i) => i.message).join('; ')}`,
    );
  }
  const command = parsed.data;
  const live = await readLive(config.target);
  const effect = decideCommand(command, live);
  if (command.command === 'rollback') await assertPublished(config.target.functionName, effect.write.primary);
  let stopped = false;
  let ownerRunning = false;
  if (effect.owner) {
    const arn = executionArn(stateMachineArnOf(execution), effect.owner);
    const status = await executionStatus(arn).catch(() => undefined);
    if (status === 'RUNNING') {
      ownerRunning = true;
      stopped = await stopExecution(arn, `${command.command} command ${execution.name}`);
    }
  }
  // biome-ignore lint/style/noNonNullAssertion: decideCommand throws NothingToDo when there is no alias
  await writeLive(config.target, live!, effect.write);
  const at = new Date().toISOString();
  const before = live && { primary: live.primary, candidate: live.candidate };
  const after = { primary: effect.write.primary };
  await updateLineage(config.bucket, execution.name, 'command', (r) =>
    withOutcome(
      addWeightChange(
        patchLineage(r, at, {
          command: { command: command.command, version: command.version, before, after },
        }),
        { at, primary: effect.write.primary, weight: 0, reason: `${command.command} command` },
      ),
      at,
      { status: 'completed' },
    ),
  );
  // The owner's record changes only if this command decided its rollout (it held a weight or was running).
  if (effect.owner && effect.ownerOutcome && (live?.candidate || ownerRunning)) {
    const outcome = effect.ownerOutcome;
    await updateLineage(config.bucket, effect.owner, 'upload', (r) =>
      withOutcome(
        addWeightChange(r, {
          at,
          primary: effect.write.primary,
          weight: 0,
          reason: `${command.command} command`,
        }),
        at,
        { status: outcome, by: execution.name },
      ),
    );
  }
  return {
    outcome: command.command,
    summary: effect.summary,
    before,
    after,
    stopped: stopped ? effect.owner : null,
  };
}

async function assertPublished(functionName: string, version: string): Promise<void> {
  try {
    await lambda().send(
      new GetFunctionConfigurationCommand({ FunctionName: functionName, Qualifier: version }),
    );
  } catch (err) {
    if (isNotFound(err)) {
      throw new BadRolloutRequestError(`version ${version} is not a published version of ${functionName}`);
    }
    throw err;
  }
}
