import { addWeightChange, withOutcome } from '../shared/lineage.js';
import { updateLineage } from '../shared/lineage-store.js';
import { readLive, writeLive } from '../shared/live-alias.js';
import type { TrafficConfig } from './config.js';
import { parseUploadState } from './upload-state.js';

/**
 * After a gate breach or a failure once traffic may have moved: live → the version that served
 * before this rollout (Supersede's previousVersion) with no extra weight. Only if this execution
 * still owns the alias: after being superseded the alias belongs to someone else. Returns the
 * `cause` of the execution's RolledBack failure: the evidence, as JSON.
 */
export async function rollbackStep(state: unknown, config: TrafficConfig) {
  const s = parseUploadState(state);
  const plan = s.plan;
  const candidate = s.release?.version;
  // An experiment's Look decided 'abort' (candidate worse, inconclusive, or its gate breached).
  const experiment = !s.error && s.progress?.decision === 'abort';
  const reason = s.error
    ? { error: s.error.Error, cause: s.error.Cause }
    : experiment
      ? { experiment: s.progress?.reasons ?? [], evidence: s.progress?.evidence }
      : { gate: s.progress?.reasons ?? [], evidence: s.progress?.evidence };
  const live = await readLive(config.target);
  const at = new Date().toISOString();
  const target = s.supersede?.previousVersion ?? live?.primary;
  let touched = false;
  if (
    live &&
    target &&
    live.note.owner === plan.executionName &&
    (live.primary !== target || live.candidate)
  ) {
    await writeLive(config.target, live, {
      primary: target,
      note: { owner: live.note.owner, started: live.note.started, previous: live.note.previous },
    });
    touched = true;
  }
  const message = touched
    ? `rolled back: live → version ${target}, candidate version ${candidate} removed`
    : `no alias change needed: live serves version ${live?.primary ?? 'none'}${live?.candidate ? ` + ${live.candidate.version}` : ''} (owner ${live?.note.owner ?? 'none'})`;
  await updateLineage(plan.model.bucket, plan.executionName, 'upload', (r) => {
    const changed =
      touched && target ? addWeightChange(r, { at, primary: target, weight: 0, reason: 'rollback' }) : r;
    return withOutcome(changed, at, {
      status: 'rolled-back',
      error: s.error?.Error ?? (experiment ? 'ExperimentAborted' : 'GateBreached'),
      cause: JSON.stringify(reason).slice(0, 4000),
    });
  });
  const cause = JSON.stringify({ message, candidate, rolledBackTo: target, ...reason });
  return { cause, rolledBackTo: target, touched };
}
