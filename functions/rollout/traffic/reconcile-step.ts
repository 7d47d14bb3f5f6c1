import { ConcurrentChangeError } from '../shared/errors.js';
import { describeEnd, executionArn } from '../shared/executions.js';
import { addWeightChange, withOutcome } from '../shared/lineage.js';
import { readLineage, updateLineage } from '../shared/lineage-store.js';
import { readLive, writeLive } from '../shared/live-alias.js';
import type { TrafficConfig } from './config.js';
import { decideReconcile, type ExecutionEndedEvent, reconcileReason } from './reconcile.js';

/** Re-reads after a concurrent alias change before giving the event back to Lambda's async retries. */
const ATTEMPTS = 4;

/**
 * Target of the reconcile rule (statemachines/rollout-reconcile.ts): whenever an execution of the
 * rollout state machine ends without succeeding, check who owns alias `live`'s candidate weight —
 * not only the execution the event names, so any later event also repairs one that EventBridge's
 * best-effort delivery lost — and remove the weight if its owner has ended (reconcile.ts). The
 * alias is written first, conditional on its RevisionId, then the lineage: a crash in between
 * leaves the alias right and the next delivery (or retry) still finds the record in progress.
 */
export async function reconcileStep(event: ExecutionEndedEvent, config: TrafficConfig) {
  const ended = event.detail;
  for (let attempt = 1; ; attempt++) {
    const live = await readLive(config.target);
    const owner = live?.candidate ? live.note.owner : undefined;
    const ownerEnd = owner ? await describeEnd(executionArn(ended.stateMachineArn, owner)) : undefined;
    const decision = decideReconcile(live, ownerEnd?.status);
    if (decision.action === 'none' || !live || !owner) {
      await noteEnded(config.bucket, ended);
      return { reconciled: false, why: decision.action === 'none' ? decision.why : 'nothing to do' };
    }
    try {
      await writeLive(config.target, live, decision.write);
    } catch (err) {
      if (err instanceof ConcurrentChangeError && attempt < ATTEMPTS) continue;
      throw err;
    }
    const end = owner === ended.name ? ended : { ...ownerEnd, status: ownerEnd?.status ?? 'unknown' };
    const reason = reconcileReason(end, decision.removed);
    const at = new Date().toISOString();
    await updateLineage(config.bucket, owner, 'upload', (r) =>
      withOutcome(
        addWeightChange(r, {
          at,
          primary: live.primary,
          candidate: decision.removed.version,
          weight: 0,
          reason: `reconciled: ${reason}`,
        }),
        at,
        { status: 'reconciled', ...(end.error ? { error: end.error } : {}), cause: reason, by: 'reconciler' },
      ),
    );
    if (owner !== ended.name) await noteEnded(config.bucket, ended);
    return { reconciled: true, owner, removed: decision.removed, primary: live.primary };
  }
}

/**
 * The ended execution's own record, if it still says `in-progress` (nothing of the execution
 * recorded an outcome: a restart, a timeout, a stop from the console). A stop by a newer upload or
 * a command (error `Superseded`) is recorded by whoever stopped it.
 */
async function noteEnded(bucket: string, ended: ExecutionEndedEvent['detail']): Promise<void> {
  if (ended.error === 'Superseded') return;
  const record = await readLineage(bucket, ended.name);
  if (record?.outcome.status !== 'in-progress') return;
  // Its last recorded weight was partial: a first delivery removed it and died before this record.
  const last = record.weights.at(-1);
  const held = last?.candidate && last.weight > 0 && last.weight < 1 ? last : undefined;
  const at = new Date().toISOString();
  await updateLineage(bucket, ended.name, record.kind, (r) =>
    withOutcome(r, at, {
      status: held ? 'reconciled' : 'failed',
      ...(ended.error ? { error: ended.error } : {}),
      cause: reconcileReason(ended, held && { version: held.candidate ?? '', weight: held.weight }),
      by: 'reconciler',
    }),
  );
}
