import { decideLook } from '../experiment/look-decision.js';
import { readExperiment } from '../experiment/readout.js';
import { addLook } from '../shared/lineage.js';
import { updateLineage } from '../shared/lineage-store.js';
import type { Progress } from '../shared/state.js';
import type { TrafficConfig } from './config.js';
import { decideGate } from './gate.js';
import { parseUploadState, requireField } from './upload-state.js';

/**
 * One look of an experiment decided on evidence (plan.experiment): the readout since the
 * candidate got its weight (experiment/readout.ts), the health gate on the same window, and the
 * decision (experiment/look-decision.ts) — recorded in the lineage whatever it is. Changes nothing
 * else: the state machine promotes through Finish and aborts through Rollback.
 */
export async function lookStep(state: unknown, config: TrafficConfig): Promise<Progress> {
  const s = parseUploadState(state);
  const plan = s.plan;
  const experiment = requireField(plan.experiment, 'plan.experiment');
  const release = requireField(s.release, 'release');
  const supersede = requireField(s.supersede, 'supersede');
  const progress = requireField(s.progress, 'progress');
  const started = new Date(requireField(progress.shiftedAt, 'progress.shiftedAt'));
  const now = new Date();
  const look = (progress.looks ?? 0) + 1;
  const final =
    look >= experiment.looks || now.getTime() - started.getTime() >= experiment.deadlineSeconds * 1000;
  // Like the gate: metrics of the last `delay` seconds have not arrived yet.
  const until = new Date(Math.max(started.getTime(), now.getTime() - config.metricDelaySeconds * 1000));
  const { readout, gate: stats } = await readExperiment({
    primary: supersede.previousVersion,
    candidate: release.version,
    started,
    until,
    rule: {
      margin: experiment.margin,
      minFeedback: experiment.minFeedback,
      alpha: experiment.alpha,
      looks: experiment.looks,
    },
    metrics: {
      functionName: config.target.functionName,
      alias: config.target.alias,
      periodSeconds: config.gatePeriodSeconds,
      appNamespace: config.appNamespace,
    },
  });
  // Too few calls is no reason to roll back while the experiment keeps waiting anyway: the gate
  // may extend without limit here (it still rolls back on a certain breach, and holds a promotion).
  const gate = decideGate({
    candidate: stats.candidate,
    primary: stats.primary,
    extensions: 0,
    thresholds: { ...config.gate, maxExtensions: Number.MAX_SAFE_INTEGER },
  });
  const result = decideLook(
    { gate, judgement: readout, look, looks: experiment.looks, final },
    { candidate: readout.candidate.feedback, primary: readout.primary.feedback },
  );
  const gateRecord = {
    decision: gate.decision,
    reasons: gate.reasons,
    evidence: {
      window: { start: stats.start.toISOString(), end: stats.end.toISOString() },
      candidate: stats.candidate,
      primary: stats.primary,
      candidateErrorRate: gate.candidateErrorRate,
      primaryErrorRate: gate.primaryErrorRate,
    },
  };
  await updateLineage(plan.model.bucket, plan.executionName, 'upload', (r) =>
    addLook(r, {
      at: now.toISOString(),
      look,
      of: experiment.looks,
      decision: result.decision,
      reasons: result.reasons,
      readout,
      gate: gateRecord,
    }),
  );
  return {
    ...progress,
    looks: look,
    decision: result.decision,
    reasons: result.reasons,
    evidence: { readout, gate: gateRecord },
  };
}
