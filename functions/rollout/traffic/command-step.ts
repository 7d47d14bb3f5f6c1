import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { type _Object, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { lambda, s3 } from '../../shared/aws-clients.js';
import { isNotFound } from '../shared/aws-errors.js';
import { BadRolloutRequestError } from '../shared/errors.js';
import { executionArn, executionStatus, stopExecution } from '../shared/executions.js';
import {
  addWeightChange,
  LINEAGE_PREFIX,
  type LineageRecord,
  patchLineage,
  withOutcome,
} from '../shared/lineage.js';
import { readLineage, updateLineage } from '../shared/lineage-store.js';
import { readLive, writeLive } from '../shared/live-alias.js';
import { commandSchema, type ExecutionContext } from '../shared/state.js';
import { claimedBy, decideCommand, type VersionEvent, versionEvents } from './commands.js';
import type { TrafficConfig } from './config.js';
import { startedMs, stateMachineArnOf } from './context.js';

/**
 * `{"command": "promote" | "abort" | "rollback", "version"?: "N"}`: decides from the alias
 * (commands.ts), writes the alias under its RevisionId — claiming it for this command — and then
 * stops the upload execution that owned the candidate weight if it is still running.
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
  if (live?.note.owner === execution.name) {
    // A retry after this command's own alias write: it was applied; only the stop may be missing.
    return { outcome: command.command, summary: 'already applied by this execution', stopped: null };
  }
  const history = command.command === 'rollback' && !command.version ? await liveHistory(config.bucket) : [];
  const effect = decideCommand(command, live, history);
  if (command.command === 'rollback') await assertPublished(config.target.functionName, effect.write.primary);
  // Claim first, stop second: the write names this command the alias's owner (commands.ts,
  // claimedBy), so the upload that owned the weight can no longer shift, finish or roll back; a
  // failure before it changes nothing, a failure after it leaves only a harmless running upload.
  const me = { name: execution.name, started: startedMs(execution, new Date()) };
  // biome-ignore lint/style/noNonNullAssertion: decideCommand throws NothingToDo when there is no alias
  await writeLive(config.target, live!, { ...effect.write, note: claimedBy(effect.write.note, me) });
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

/** How many of the newest lineage records a rollback walks back through. */
export const ROLLBACK_HISTORY_RECORDS = 200;

/** The version events of the newest lineage records (commands.ts, versionEvents). */
async function liveHistory(bucket: string): Promise<VersionEvent[]> {
  const objects: _Object[] = [];
  let token: string | undefined;
  do {
    const page = await s3().send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: LINEAGE_PREFIX, ContinuationToken: token }),
    );
    objects.push(...(page.Contents ?? []));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  const newest = objects
    .sort((a, b) => (b.LastModified?.getTime() ?? 0) - (a.LastModified?.getTime() ?? 0))
    .slice(0, ROLLBACK_HISTORY_RECORDS);
  const records = await Promise.all(
    newest.map((o) => readLineage(bucket, (o.Key ?? '').slice(LINEAGE_PREFIX.length).replace(/\.json$/, ''))),
  );
  return versionEvents(records.filter((r): r is LineageRecord => r !== undefined));
}
