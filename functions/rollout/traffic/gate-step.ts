import { addGate } from '../shared/lineage.js';
import { updateLineage } from '../shared/lineage-store.js';
import type { Progress } from '../shared/state.js';
import type { TrafficConfig } from './config.js';
import { decideGate } from './gate.js';
import { versionStats } from './metrics.js';
import { parseUploadState, requireField } from './upload-state.js';

/** After a bake: fetch candidate and primary metrics since the shift and decide (gate.ts). */
export async function gateStep(state: unknown, config: TrafficConfig): Promise<Progress> {
  const s = parseUploadState(state);
  const plan = s.plan;
  const release = requireField(s.release, 'release');
  const supersede = requireField(s.supersede, 'supersede');
  const progress = requireField(s.progress, 'progress');
  const shiftedAt = new Date(requireField(progress.shiftedAt, 'progress.shiftedAt'));
  const now = new Date();
  // Metrics of the last `delay` seconds have not arrived yet: a window up to now would judge the
  // bake's end on missing data. The bake waited interval + delay, so [shift, now − delay] holds it.
  const until = new Date(Math.max(shiftedAt.getTime(), now.getTime() - config.metricDelaySeconds * 1000));
  const stats = await versionStats(
    { candidate: release.version, primary: supersede.previousVersion },
    {
      functionName: config.target.functionName,
      alias: config.target.alias,
      since: shiftedAt,
      until,
      periodSeconds: config.gatePeriodSeconds,
      appNamespace: config.appNamespace,
    },
  );
  const extensions = progress.extensions ?? 0;
  const result = decideGate({
    candidate: stats.candidate,
    primary: stats.primary,
    extensions,
    thresholds: config.gate,
  });
  const evidence = {
    window: { start: stats.start.toISOString(), end: stats.end.toISOString() },
    candidate: stats.candidate,
    primary: stats.primary,
    candidateErrorRate: result.candidateErrorRate,
    primaryErrorRate: result.primaryErrorRate,
    thresholds: config.gate,
  };
  const step = progress.step ?? 0;
  await updateLineage(plan.model.bucket, plan.executionName, 'upload', (r) =>
    addGate(r, {
      at: now.toISOString(),
      step,
      weight: progress.weight ?? 0,
      decision: result.decision,
      reasons: result.reasons,
      evidence,
    }),
  );
  return {
    ...progress,
    decision: result.decision,
    reasons: result.reasons,
    evidence,
    extensions: result.decision === 'extend' ? extensions + 1 : extensions,
    waitSeconds:
      result.decision === 'extend'
        ? Math.max(1, plan.intervalSeconds, config.metricDelaySeconds)
        : (progress.waitSeconds ?? 0),
    nextStep: result.decision === 'pass' ? step + 1 : step,
  };
}
