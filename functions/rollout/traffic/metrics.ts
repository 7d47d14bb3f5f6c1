import { GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { cloudwatch } from '../../shared/aws-clients.js';
import type { VersionStats } from './gate.js';

/**
 * Candidate-only evidence: Lambda's own metrics by `ExecutedVersion` on the alias resource
 * (FunctionName + Resource=<fn>:<alias> + ExecutedVersion), so the old version's errors never
 * block a fix and the candidate's are never hidden by the primary's volume.
 */
export interface MetricWindow {
  functionName: string;
  alias: string;
  since: Date;
  until: Date;
  periodSeconds: number;
}

function queries(prefix: string, version: string, w: MetricWindow): MetricDataQuery[] {
  const dimensions = [
    { Name: 'FunctionName', Value: w.functionName },
    { Name: 'Resource', Value: `${w.functionName}:${w.alias}` },
    { Name: 'ExecutedVersion', Value: version },
  ];
  const stat = (id: string, metricName: string, s: string): MetricDataQuery => ({
    Id: `${prefix}_${id}`,
    MetricStat: {
      Metric: { Namespace: 'AWS/Lambda', MetricName: metricName, Dimensions: dimensions },
      Period: w.periodSeconds,
      Stat: s,
    },
    ReturnData: true,
  });
  return [stat('inv', 'Invocations', 'Sum'), stat('err', 'Errors', 'Sum'), stat('p99', 'Duration', 'p99')];
}

/** The window is widened to whole periods so the bake's first and last calls are counted. */
export function alignWindow(w: MetricWindow): { start: Date; end: Date } {
  const p = w.periodSeconds * 1000;
  return {
    start: new Date(Math.floor(w.since.getTime() / p) * p),
    end: new Date(Math.ceil((w.until.getTime() + 1) / p) * p),
  };
}

export async function versionStats(versions: { candidate: string; primary: string }, w: MetricWindow) {
  const { start, end } = alignWindow(w);
  const values = new Map<string, number[]>();
  let nextToken: string | undefined;
  do {
    const out = await cloudwatch().send(
      new GetMetricDataCommand({
        StartTime: start,
        EndTime: end,
        MetricDataQueries: [...queries('c', versions.candidate, w), ...queries('p', versions.primary, w)],
        NextToken: nextToken,
      }),
    );
    for (const r of out.MetricDataResults ?? []) {
      values.set(r.Id ?? '', [...(values.get(r.Id ?? '') ?? []), ...(r.Values ?? [])]);
    }
    nextToken = out.NextToken;
  } while (nextToken);
  const sum = (id: string) => (values.get(id) ?? []).reduce((a, b) => a + b, 0);
  const max = (id: string) => {
    const v = values.get(id) ?? [];
    return v.length > 0 ? Math.max(...v) : null;
  };
  const stats = (prefix: string, version: string): VersionStats => ({
    version,
    invocations: sum(`${prefix}_inv`),
    errors: sum(`${prefix}_err`),
    p99Ms: max(`${prefix}_p99`),
  });
  return { candidate: stats('c', versions.candidate), primary: stats('p', versions.primary), start, end };
}
