import { SupersededError } from '../shared/errors.js';
import { executionStatus } from '../shared/executions.js';
import { addWeightChange, withOutcome } from '../shared/lineage.js';
import { updateLineage } from '../shared/lineage-store.js';
import { readLive, writeLive } from '../shared/live-alias.js';
import type { Progress } from '../shared/state.js';
import type { TrafficConfig } from './config.js';
import { requireLive } from './supersede-step.js';
import { parseUploadState, requireField } from './upload-state.js';

/**
 * Sets the candidate's weight for the next step of the schedule. Only the execution that claimed
 * the alias may write, and only while it is still RUNNING: a stopped execution's last in-flight
 * invocation checks its own status after reading the alias, so its write either fails the
 * RevisionId precondition or never happens (docs/rollout.md, "Concurrency").
 */
export async function shiftStep(state: unknown, config: TrafficConfig): Promise<Progress> {
  const s = parseUploadState(state);
  const plan = s.plan;
  const release = requireField(s.release, 'release');
  const index = s.progress?.nextStep ?? 0;
  const live = requireLive(await readLive(config.target));
  await assertOwner(live.note.owner, plan.executionName, plan.executionArn);
  const at = new Date().toISOString();
  const base = {
    nextStep: index,
    step: index,
    shiftedAt: at,
    extensions: 0,
    waitSeconds: bakeWaitSeconds(plan.intervalSeconds, config.metricDelaySeconds),
  };

  if (live.primary === release.version) {
    // Identical bytes to what is live (or the first rollout): nothing to shift, finish now.
    if (live.candidate) await writeLive(config.target, live, { primary: live.primary, note: live.note });
    await updateLineage(plan.model.bucket, plan.executionName, 'upload', (r) =>
      withOutcome(r, at, { status: 'completed' }),
    );
    return { ...base, weight: 1, last: true, finished: true };
  }
  const weight = plan.schedule[index];
  if (weight === undefined) throw new Error(`no step ${index} in the schedule [${plan.schedule.join(', ')}]`);
  const already = live.candidate?.version === release.version && live.candidate.weight === weight;
  if (!already) {
    await writeLive(config.target, live, {
      primary: live.primary,
      candidate: { version: release.version, weight },
      note: live.note,
    });
  }
  const last = index === plan.schedule.length - 1;
  // A plan that holds its last weight either ends here (the state machine's ExperimentHeld) or,
  // with an experiment, keeps the execution running to look at the evidence.
  const held = plan.hold && last;
  const e = plan.experiment;
  const holding = !held
    ? ''
    : e
      ? `, experiment: a look every ${e.intervalSeconds} s for up to ${e.deadlineSeconds} s`
      : ', held until promote or abort';
  await updateLineage(plan.model.bucket, plan.executionName, 'upload', (r) => {
    const changed = addWeightChange(r, {
      at,
      primary: live.primary,
      candidate: release.version,
      weight,
      reason: `step ${index + 1} of ${plan.schedule.length}${holding}`,
    });
    return held && !e ? withOutcome(changed, at, { status: 'held' }) : changed;
  });
  return { ...base, weight, last, finished: false };
}

/**
 * How long the Bake state waits before the gate reads the metrics. Metrics arrive `delay` seconds
 * after the calls, so the gate reads up to now − delay; waiting the interval plus the delay gives it
 * the whole interval's evidence, and no bake is shorter than the delay itself (else an interval of 0
 * could only ever see an empty window, extend and roll back).
 */
export function bakeWaitSeconds(intervalSeconds: number, delaySeconds: number): number {
  return Math.max(intervalSeconds, delaySeconds) + delaySeconds;
}

/** Superseded unless this execution owns the alias and is still running. */
export async function assertOwner(owner: string | undefined, me: string, myArn: string): Promise<void> {
  if (owner !== me) {
    throw new SupersededError(`alias live is now owned by ${owner ?? 'nobody'}, not ${me}; leaving it alone`);
  }
  const status = await executionStatus(myArn);
  if (status !== undefined && status !== 'RUNNING') {
    throw new SupersededError(`execution ${me} is ${status}; it may no longer change alias live`);
  }
}
