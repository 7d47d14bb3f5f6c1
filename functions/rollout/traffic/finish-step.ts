import { addWeightChange, withOutcome } from '../shared/lineage.js';
import { updateLineage } from '../shared/lineage-store.js';
import { readLive, writeLive } from '../shared/live-alias.js';
import type { TrafficConfig } from './config.js';
import { assertOwner } from './shift-step.js';
import { requireLive } from './supersede-step.js';
import { parseUploadState, requireField } from './upload-state.js';

/** The end of every successful rollout: live → candidate with no extra weight (idempotent). */
export async function finishStep(state: unknown, config: TrafficConfig) {
  const s = parseUploadState(state);
  const plan = s.plan;
  const release = requireField(s.release, 'release');
  const live = requireLive(await readLive(config.target));
  const done = live.primary === release.version && !live.candidate;
  const previous = live.primary === release.version ? live.note.previous : live.primary;
  const at = new Date().toISOString();
  if (!done) {
    await assertOwner(live.note.owner, plan.executionName, plan.executionArn);
    await writeLive(config.target, live, {
      primary: release.version,
      note: { owner: live.note.owner, started: live.note.started, previous },
    });
  }
  await updateLineage(plan.model.bucket, plan.executionName, 'upload', (r) => {
    const changed = done
      ? r
      : addWeightChange(r, { at, primary: release.version, weight: 1, reason: 'finished: 100 %' });
    return withOutcome(changed, at, { status: 'completed' });
  });
  return {
    outcome: 'Completed',
    version: release.version,
    previousVersion: previous,
    sha256: release.sha256,
  };
}
