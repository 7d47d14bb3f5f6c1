import { GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { METRICS } from '../../../system/manifest.js';
import { cloudwatch } from '../../shared/aws-clients.js';
import type { AppStats, VersionStats } from './gate.js';

/**
 * Candidate-only evidence: Lambda's own metrics by `ExecutedVersion` on the alias resource
 * (FunctionName + Resource=<fn>:<alias> + ExecutedVersion), so the old version's errors never
 * block a fix and the candidate's are never hidden by the primary's volume; plus the function's
 * own EMF metrics by `FunctionVersion` (appQueries), which see the failures it answers itself.
 */
export interface MetricWindow {
  functionName: string;
  alias: string;
  since: Date;
  until: Date;
  periodSeconds: number;
}

export interface EvidenceWindow extends MetricWindow {
  /** Namespace of the function's EMF metrics (Errors, DegradedResponses, Latency by FunctionVersion). */
  appNamespace: string;
}

/**
 * The function's own metrics for one version. Its EMF documents carry the dimension set
 * [service, FunctionVersion, ModelSha256]; a MetricStat must name a set exactly (and the model sha
 * varies: the fallback model answers degraded calls), so these are Metrics Insights queries that
 * aggregate every series of the version, whatever else their dimensions say.
 */
export function appQueries(prefix: string, version: string, w: EvidenceWindow): MetricDataQuery[] {
  const quote = (s: string) => s.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
  const ns = w.appNamespace.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
  const select = (id: string, aggregate: string): MetricDataQuery => ({
    Id: `${prefix}_${id}`,
    Expression: `SELECT ${aggregate} FROM "${ns}" WHERE ${METRICS.dimensions.functionVersion} = '${quote(version)}'`,
    Period: w.periodSeconds,
    ReturnData: true,
  });
  return [
    select('app_req', 'COUNT(Latency)'),
    select('app_err', 'SUM(Errors)'),
    select('app_deg', 'SUM(DegradedResponses)'),
  ];
}

function queries(prefix: string, version: string, w: MetricWindow): MetricDataQuery[] {
  const dimensions = [
    { Name: 'FunctionName', Value: w.functionName },
    { Name: 'Resource', Value: `${w.functionName}:${w.alias}` },
    { Name: METRICS.executedVersion, Value: version },
  ];
  const stat = (id: string, metricName: string, s: string): MetricDataQuery => ({
    Id: `${prefix}_${id}`,
    MetricStat: {
      Metric: { Namespace: METRICS.lambdaNamespace, MetricName: metricName, Dimensions: dimensions },
      Period: w.periodSeconds,
      Stat: s,
    },
    ReturnData: true,
  });
  return [stat('inv', 'Invocations', 'Sum'), stat('err', 'Errors', 'Sum'), stat('p99', 'Duration', 'p99')];
}

/** The window is widened to whole periods so the bake's first and last calls are counted. */
export function alignWindow(w: MetricWindow): {
  start: Date;
  end: Date;
} {
  const p = w.periodSeconds * 1000;
  return {
    start: new Date(Math.floor(w.since.getTime() / p) * p),
    end: new Date(Math.ceil((w.until.getTime() + 1) / p) * p),
  };
}

/** Every page of one GetMetricData request, values appended per query Id. */
export async function fetchAll(
  queries: MetricDataQuery[],
  start: Date,
  end: Date,
  values: Map<string, number[]>,
) {
  let nextToken: string | undefined;
  do {
    const out = await cloudwatch().send(
      new GetMetricDataCommand({
        StartTime: start,
        EndTime: end,
        MetricDataQueries: queries,
        NextToken: nextToken,
      }),
    );
    for (const r of out.MetricDataResults ?? []) {
      values.set(r.Id ?? '', [...(values.get(r.Id ?? '') ?? []), ...(r.Values ?? [])]);
    }
    nextToken = out.NextToken;
  } while (nextToken);
}

/** Metrics Insights answers only for the most recent three hours (CloudWatch quotas). */
export const INSIGHTS_MAX_AGE_MS = 3 * 3600 * 1000;

export async function versionStats(versions: { candidate: string; primary: string }, w: EvidenceWindow) {
  const { start, end } = alignWindow(w);
  const values = new Map<string, number[]>();
  await fetchAll(
    [...queries('c', versions.candidate, w), ...queries('p', versions.primary, w)],
    start,
    end,
    values,
  );
  // GetMetricData takes one Metrics Insights query per request (AWS answers "Maximum number of
  // queries (1) exceeded" to more), and Insights looks back three hours at most: a long bake with
  // extensions is judged on its last three hours of app metrics.
  const insightsStart = new Date(Math.max(start.getTime(), end.getTime() - INSIGHTS_MAX_AGE_MS));
  for (const q of [...appQueries('c', versions.candidate, w), ...appQueries('p', versions.primary, w)]) {
    await fetchAll([q], insightsStart, end, values);
  }
  const sum = (id: string) => (values.get(id) ?? []).reduce((a, b) => a + b, 0);
  const has = (id: string) => (values.get(id) ?? []).length > 0;
  // No datapoint at all (not even Latency): a version that publishes no app metrics, or none yet.
  const app = (prefix: string): AppStats | null =>
    has(`${prefix}_app_req`) || has(`${prefix}_app_err`) || has(`${prefix}_app_deg`)
      ? {
          requests: sum(`${prefix}_app_req`),
          errors: sum(`${prefix}_app_err`),
          degraded: sum(`${prefix}_app_deg`),
        }
      : null;
  const max = (id: string) => {
    const v = values.get(id) ?? [];
    return v.length > 0 ? Math.max(...v) : null;
  };
  const stats = (prefix: string, version: string): VersionStats => ({
    version,
    invocations: sum(`${prefix}_inv`),
    errors: sum(`${prefix}_err`),
    p99Ms: max(`${prefix}_p99`),
    app: app(prefix),
  });
  return { candidate: stats('c', versions.candidate), primary: stats('p', versions.primary), start, end };
}
