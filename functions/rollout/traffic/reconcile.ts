import { z } from 'zod';
import {
  EXECUTION_STATUS_CHANGE,
  STATES_EVENT_SOURCE,
  UNSUCCESSFUL_END_STATUSES,
} from '../../../statemachines/rollout-reconcile.js';
import type { LiveAlias } from '../shared/alias-note.js';
import type { LiveWrite } from '../shared/live-alias.js';

/**
 * The reconciler's rule (pure): an upload execution that owns alias `live`'s candidate weight and
 * has ended without succeeding (ABORTED, FAILED, TIMED_OUT) can never gate, finish or roll back that
 * weight again, so the weight is removed — primary and note (owner, watermark, previous) unchanged,
 * so an older upload still can never undo it. A held A/B experiment ended SUCCEEDED and keeps its
 * weight until promote or abort; a RUNNING owner is left alone.
 */

/** Step Functions' "Execution Status Change" event, as EventBridge delivers it to a Lambda target. */
export const executionEndedEventSchema = z.object({
  source: z.literal(STATES_EVENT_SOURCE),
  'detail-type': z.literal(EXECUTION_STATUS_CHANGE),
  detail: z.object({
    executionArn: z.string().min(1),
    stateMachineArn: z.string().min(1),
    name: z.string().min(1),
    status: z.string().min(1),
    error: z.string().nullish(),
    cause: z.string().nullish(),
  }),
});
export type ExecutionEndedEvent = z.infer<typeof executionEndedEventSchema>;

const ENDED: readonly string[] = UNSUCCESSFUL_END_STATUSES;

export type ReconcileDecision =
  | { action: 'none'; why: string }
  | { action: 'remove'; write: LiveWrite; removed: { version: string; weight: number } };

/** `ownerStatus`: DescribeExecution's status of the alias note's owner (undefined: no such execution). */
export function decideReconcile(
  live: LiveAlias | undefined,
  ownerStatus: string | undefined,
): ReconcileDecision {
  if (!live?.candidate) return { action: 'none', why: 'alias live carries no candidate weight' };
  const owner = live.note.owner;
  if (!owner) return { action: 'none', why: 'the candidate weight has no recorded owner' };
  if (ownerStatus !== undefined && !ENDED.includes(ownerStatus)) {
    return { action: 'none', why: `its owner ${owner} is ${ownerStatus}` };
  }
  return {
    action: 'remove',
    write: { primary: live.primary, note: live.note },
    removed: live.candidate,
  };
}

/** Why, in the owner's lineage: the status and error Step Functions reported, and what was removed. */
export function reconcileReason(
  ended: {
    status?: string | undefined;
    error?: string | null | undefined;
    cause?: string | null | undefined;
  },
  removed: { version: string; weight: number } | undefined,
): string {
  const how = [ended.status ?? 'ended', ended.error, ended.cause].filter(Boolean).join(': ');
  return removed
    ? `execution ended ${how} holding weight ${removed.weight} on version ${removed.version}; the reconciler removed the weight (no gate judged it)`
    : `execution ended ${how} without finishing its rollout; it held no weight on alias live`;
}
