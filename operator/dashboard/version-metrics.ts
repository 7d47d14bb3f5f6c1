import {
  type CloudWatchClient,
  GetMetricDataCommand,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import { METRICS } from '../../system/manifest.js';

/**
 * Requests, error rate and latency (p50, p99) of each version over time, as the gates see them:
 * Lambda's metrics on the alias resource by ExecutedVersion (FunctionName + Resource=<fn>:<alias> +
 * ExecutedVersion, the dimensions functions/rollout/traffic/metrics.ts queries). Lambda's Errors
 * count function errors only; the handled errors and degraded answers the gates add from the
 * function's own EMF metrics are not on this chart (Metrics Insights allows one query per request).
 */
export interface MetricsWindow {
  functionName: string;
  alias: string;
  versions: string[];
  periodSeconds: number;
  windowSeconds: number;
  now: Date;
}

export interface VersionSeries {
  version: string;
  invocations: (number | null)[];
  errors: (number | null)[];
  /** errors ÷ invocations per period; null for a period without invocations. */
  errorRate: (number | null)[];
  p50Ms: (number | null)[];
  p99Ms: (number | null)[];
}

export interface VersionMetrics {
  periodSeconds: number;
  /** Period starts, epoch seconds, ascending: the x axis every series shares. */
  times: number[];
  /** Only versions with at least one invocation in the window. */
  versions: VersionSeries[];
}

const SERIES = [
  { key: 'inv', metric: 'Invocations', stat: 'Sum' },
  { key: 'err', metric: 'Errors', stat: 'Sum' },
  { key: 'p50', metric: 'Duration', stat: 'p50' },
  { key: 'p99', metric: 'Duration', stat: 'p99' },
] as const;

export function metricQueries(w: MetricsWindow): MetricDataQuery[] {
  return w.versions.flatMap((version, i) =>
    SERIES.map(
      (s): MetricDataQuery => ({
        Id: `v${i}_${s.key}`,
        MetricStat: {
          Metric: {
            Namespace: METRICS.lambdaNamespace,
            MetricName: s.metric,
            Dimensions: [
              { Name: 'FunctionName', Value: w.functionName },
              { Name: 'Resource', Value: `${w.functionName}:${w.alias}` },
              { Name: METRICS.executedVersion, Value: version },
            ],
          },
          Period: w.periodSeconds,
          Stat: s.stat,
        },
        ReturnData: true,
      }),
    ),
  );
}

/** The window in whole periods, ending with the period that contains `now`. */
export function periodStarts(w: Pick<MetricsWindow, 'periodSeconds' | 'windowSeconds' | 'now'>): number[] {
  const p = w.periodSeconds;
  const last = Math.floor(w.now.getTime() / 1000 / p) * p;
  const count = Math.max(1, Math.ceil(w.windowSeconds / p));
  return Array.from({ length: count }, (_, i) => last - (count - 1 - i) * p);
}

/** The charts start at the first period with data, but never show fewer periods than this. */
export const MIN_PERIODS = 12;

/**
 * GetMetricData results (Id → timestamp → value) laid on the shared axis. CloudWatch leaves out
 * periods without invocations: between a version's first and last datapoint they count 0 requests
 * and 0 errors (rates and latencies stay null: there is nothing to measure).
 */
export function toVersionMetrics(
  w: MetricsWindow,
  results: Map<string, Map<number, number>>,
): VersionMetrics {
  const all = periodStarts(w);
  const column = (id: string) => all.map((t) => results.get(id)?.get(t) ?? null);
  const served = w.versions.flatMap((version, i): VersionSeries[] => {
    const raw = column(`v${i}_inv`);
    const first = raw.findIndex((n) => n !== null);
    if (first < 0) return [];
    const last = raw.findLastIndex((n) => n !== null);
    const counted = (values: (number | null)[]) =>
      values.map((v, j) => (j >= first && j <= last ? (v ?? 0) : null));
    const invocations = counted(raw);
    const errors = counted(column(`v${i}_err`));
    return [
      {
        version,
        invocations,
        errors,
        errorRate: invocations.map((n, j) => (n ? (errors[j] ?? 0) / n : null)),
        p50Ms: column(`v${i}_p50`),
        p99Ms: column(`v${i}_p99`),
      },
    ];
  });
  const firstData = Math.min(...served.map((v) => v.invocations.findIndex((n) => n !== null)), all.length);
  const from = Math.max(0, Math.min(firstData, all.length - MIN_PERIODS));
  const trim = (values: (number | null)[]) => values.slice(from);
  return {
    periodSeconds: w.periodSeconds,
    times: all.slice(from),
    versions: served.map((v) => ({
      version: v.version,
      invocations: trim(v.invocations),
      errors: trim(v.errors),
      errorRate: trim(v.errorRate),
      p50Ms: trim(v.p50Ms),
      p99Ms: trim(v.p99Ms),
    })),
  };
}

export async function fetchVersionMetrics(cw: CloudWatchClient, w: MetricsWindow): Promise<VersionMetrics> {
  const times = periodStarts(w);
  const results = new Map<string, Map<number, number>>();
  const queries = metricQueries(w);
  if (queries.length === 0) return toVersionMetrics(w, results);
  let nextToken: string | undefined;
  do {
    const out = await cw.send(
      new GetMetricDataCommand({
        StartTime: new Date((times[0] ?? 0) * 1000),
        EndTime: new Date(((times.at(-1) ?? 0) + w.periodSeconds) * 1000),
        MetricDataQueries: queries,
        ScanBy: 'TimestampAscending',
        NextToken: nextToken,
      }),
    );
    for (const r of out.MetricDataResults ?? []) {
      const series = results.get(r.Id ?? '') ?? new Map<number, number>();
      (r.Timestamps ?? []).forEach((t, j) => {
        series.set(Math.round(t.getTime() / 1000), r.Values?.[j] ?? 0);
      });
      results.set(r.Id ?? '', series);
    }
    nextToken = out.NextToken;
  } while (nextToken);
  return toVersionMetrics(w, results);
}
