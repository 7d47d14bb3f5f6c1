import type { MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { METRICS } from '../../../system/manifest.js';
import { lambda } from '../../shared/aws-clients.js';
import { TARGETS } from '../../shared/contract.js';
import { outcomes, type VersionStats } from '../traffic/gate.js';
import { type EvidenceWindow, fetchAll, versionStats } from '../traffic/metrics.js';
import { type Interval, meanInterval, summarize } from './statistics.js';
import { type ExperimentRule, type Judgement, judge } from './verdict.js';

/**
 * The readout of an A/B experiment, fetched from CloudWatch and computed in one place: the
 * `npx hypermob experiment report` command and the state machine's Look step both call
 * readExperiment (docs/experiments.md).
 *
 * Per arm: the health figures as the gates read them (traffic/metrics.ts versionStats: Lambda's
 * metrics by ExecutedVersion on the alias plus the function's own), latency p50/p99 over the whole
 * window, and the outcome metrics of system/manifest.ts METRICS.outcomes by FunctionVersion — the
 * serving version — with exactly that one dimension, so plain MetricStats (Sum and SampleCount)
 * give each arm's (n, Σx, Σx²).
 */

export interface ReadoutRequest {
  primary: string;
  candidate: string;
  /** When the candidate got its weight: the experiment's start, and each arm's. */
  started: Date;
  /** The window's end: now − the metric delay while running, the outcome's time after. */
  until: Date;
  rule: ExperimentRule;
  metrics: Omit<EvidenceWindow, 'since' | 'until'>;
}

export interface TargetError {
  n: number;
  mean: number;
  ci95: Interval | null;
}

export interface ArmReadout {
  version: string;
  sha256: string | null;
  started: string;
  requests: number;
  error_rate: number | null;
  latency_ms: { p50: number | null; p99: number | null };
  feedback: number;
  normalised_error: { mean: number; sd: number | null } | null;
  /** Per target with feedback: mean absolute error in the target's unit, 95 % t interval. */
  mae: Record<string, TargetError>;
}

export interface Readout extends Omit<Judgement, 'verdict' | 'needed_feedback'> {
  window: { start: string; end: string };
  margin: number;
  min_feedback: number;
  primary: ArmReadout;
  candidate: ArmReadout;
  verdict: Judgement['verdict'];
  needed_feedback: number | null;
}

export interface ExperimentEvidence {
  readout: Readout;
  /** What the health gate reads (traffic/gate.ts decideGate). */
  gate: { candidate: VersionStats; primary: VersionStats; start: Date; end: Date };
}

/** One CloudWatch period spanning the window, so sums are whole and percentiles are the window's. */
function wholePeriod(start: Date, end: Date): number {
  return Math.max(60, Math.ceil((end.getTime() - start.getTime()) / 60_000) * 60);
}

function armQueries(prefix: string, version: string, r: ReadoutRequest, period: number): MetricDataQuery[] {
  const outcome = (id: string, metricName: string, stat: string): MetricDataQuery => ({
    Id: `${prefix}_${id}`,
    MetricStat: {
      Metric: {
        Namespace: r.metrics.appNamespace,
        MetricName: metricName,
        Dimensions: [{ Name: METRICS.dimensions.functionVersion, Value: version }],
      },
      Period: period,
      Stat: stat,
    },
    ReturnData: true,
  });
  const duration = (stat: string): MetricDataQuery => ({
    Id: `${prefix}_${stat}`,
    MetricStat: {
      Metric: {
        Namespace: METRICS.lambdaNamespace,
        MetricName: 'Duration',
        Dimensions: [
          { Name: 'FunctionName', Value: r.metrics.functionName },
          { Name: 'Resource', Value: `${r.metrics.functionName}:${r.metrics.alias}` },
          { Name: METRICS.executedVersion, Value: version },
        ],
      },
      Period: period,
      Stat: stat,
    },
    ReturnData: true,
  });
  const o = METRICS.outcomes;
  return [
    duration('p50'),
    duration('p99'),
    outcome('ne_n', o.normError, 'SampleCount'),
    outcome('ne_sum', o.normError, 'Sum'),
    outcome('nsq_sum', o.normSqError, 'Sum'),
    ...TARGETS.flatMap((t, k) => [
      outcome(`ae${k}_n`, o.absError(t), 'SampleCount'),
      outcome(`ae${k}_sum`, o.absError(t), 'Sum'),
      outcome(`se${k}_sum`, o.sqError(t), 'Sum'),
    ]),
  ];
}

/** The sha256 of the model a published version pins (its MODEL_SHA256), null if it names none. */
async function pinnedSha256(functionName: string, version: string): Promise<string | null> {
  const cfg = await lambda().send(
    new GetFunctionConfigurationCommand({ FunctionName: functionName, Qualifier: version }),
  );
  return cfg.Environment?.Variables?.MODEL_SHA256 ?? null;
}

export async function readExperiment(r: ReadoutRequest): Promise<ExperimentEvidence> {
  const since = r.started;
  const until = new Date(Math.max(r.until.getTime(), since.getTime() + 1000));
  const gate = await versionStats(
    { candidate: r.candidate, primary: r.primary },
    { ...r.metrics, since, until },
  );
  const period = wholePeriod(since, until);
  const values = new Map<string, number[]>();
  await fetchAll(
    [...armQueries('c', r.candidate, r, period), ...armQueries('p', r.primary, r, period)],
    since,
    until,
    values,
  );
  const sum = (id: string) => (values.get(id) ?? []).reduce((a, b) => a + b, 0);
  const max = (id: string) => {
    const v = values.get(id) ?? [];
    return v.length > 0 ? Math.max(...v) : null;
  };
  const arm = (prefix: string, version: string, sha256: string | null, stats: VersionStats) => {
    const normalised = summarize({
      n: sum(`${prefix}_ne_n`),
      sum: sum(`${prefix}_ne_sum`),
      sumSq: sum(`${prefix}_nsq_sum`),
    });
    const mae: Record<string, TargetError> = {};
    TARGETS.forEach((t, k) => {
      const s = summarize({
        n: sum(`${prefix}_ae${k}_n`),
        sum: sum(`${prefix}_ae${k}_sum`),
        sumSq: sum(`${prefix}_se${k}_sum`),
      });
      if (s) mae[t] = { n: s.n, mean: s.mean, ci95: meanInterval(s, 0.95) };
    });
    const o = outcomes(stats);
    const readout: ArmReadout = {
      version,
      sha256,
      started: since.toISOString(),
      requests: o.calls,
      error_rate: o.calls > 0 ? o.failures / o.calls : null,
      // Over at most two periods: the highest of each percentile (conservative, like the gate's p99).
      latency_ms: { p50: max(`${prefix}_p50`), p99: max(`${prefix}_p99`) },
      feedback: normalised?.n ?? 0,
      normalised_error: normalised && {
        mean: normalised.mean,
        sd: normalised.variance === null ? null : Math.sqrt(normalised.variance),
      },
      mae,
    };
    return { readout, summary: normalised };
  };
  const fn = r.metrics.functionName;
  const candidate = arm('c', r.candidate, await pinnedSha256(fn, r.candidate), gate.candidate);
  const primary = arm('p', r.primary, await pinnedSha256(fn, r.primary), gate.primary);
  const j = judge(candidate.summary, primary.summary, r.rule);
  return {
    readout: {
      window: { start: since.toISOString(), end: until.toISOString() },
      margin: r.rule.margin,
      min_feedback: r.rule.minFeedback,
      primary: primary.readout,
      candidate: candidate.readout,
      difference: j.difference,
      margin_abs: j.margin_abs,
      decision_interval: j.decision_interval,
      sequential: j.sequential,
      verdict: j.verdict,
      needed_feedback: j.needed_feedback,
    },
    gate,
  };
}
