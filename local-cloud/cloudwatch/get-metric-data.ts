import { z } from 'zod';
import type { AppMetricsStore } from './app-metrics.js';
import { parseInsights } from './insights.js';
import { METRIC_NAMES, type MetricName, type MetricsStore, type Series } from './metrics.js';

/**
 * GetMetricData over the metric stores, whatever the wire protocol (api.ts: JSON 1.0 of the SDK;
 * query-api.ts: the query protocol of the AWS CLI v1 and older v2): the input as the JSON protocol
 * carries it (timestamps as epoch seconds), the results, or a CloudWatchError. MetricStat queries over
 * AWS/Lambda (invocation metrics) and over custom namespaces (from the functions' EMF lines; the
 * dimension set must match exactly, as on AWS), and Metrics Insights `Expression` queries over custom
 * namespaces (insights.ts).
 * Limits, as https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html
 * states them: at most 500 MetricDataQuery structures; at most one Metrics Insights query per call;
 * Insights queries reach back two weeks
 * (https://docs.aws.amazon.com/cli/latest/reference/cloudwatch/get-metric-data.html; three hours
 * only for alarm evaluations, which are not emulated).
 */
export const MAX_QUERIES = 500;
export const MAX_INSIGHTS_QUERIES = 1;
export const INSIGHTS_MAX_AGE_SECONDS = 14 * 24 * 3600;

const dimension = z.object({ Name: z.string(), Value: z.string() });
const query = z.object({
  Id: z.string().regex(/^[a-z][a-zA-Z0-9_]*$/, 'must start with a lowercase letter (letters, digits, _)'),
  Label: z.string().optional(),
  ReturnData: z.boolean().optional(),
  Expression: z.string().min(1).max(2048).optional(),
  Period: z.number().int().min(1).optional(),
  MetricStat: z
    .object({
      Metric: z.object({
        Namespace: z.string(),
        MetricName: z.string(),
        Dimensions: z.array(dimension).max(30).optional(),
      }),
      Period: z.number().int().min(1),
      Stat: z.string(),
      Unit: z.string().optional(),
    })
    .optional(),
});
export const getMetricDataInput = z.object({
  MetricDataQueries: z.array(query).min(1),
  StartTime: z.number(),
  EndTime: z.number(),
  ScanBy: z.enum(['TimestampDescending', 'TimestampAscending']).optional(),
  MaxDatapoints: z.number().optional(),
  NextToken: z.string().optional(),
});
export type GetMetricDataInput = z.infer<typeof getMetricDataInput>;
type Query = z.infer<typeof query>;

/** A CloudWatch error: its code (the query protocol's `<Code>`, the JSON `__type`), HTTP 400. */
export class CloudWatchError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
  override name = 'CloudWatchError';
}

export interface MetricStores {
  /** AWS/Lambda invocation metrics. */
  lambda: MetricsStore;
  /** Custom namespaces, extracted from the functions' EMF log lines. */
  app: AppMetricsStore;
}

export interface MetricDataResult {
  Id: string;
  Label: string;
  /** Epoch seconds, in the order ScanBy asks. */
  Timestamps: number[];
  Values: number[];
  StatusCode: 'Complete';
}

const EMPTY: Series = { timestamps: [], values: [] };

const isInsights = (q: Query) => q.Expression !== undefined && /^\s*SELECT\b/i.test(q.Expression);

/**
 * The request-wide limits, checked before any query runs. The codes and texts are CloudWatch's:
 * ValidationError for the number of queries (AWS's own text for a second Insights query is
 * "Maximum number of queries (1) exceeded"), InvalidParameterValue for a bad time range.
 */
export function checkLimits(input: GetMetricDataInput, nowSec: number): void {
  const n = input.MetricDataQueries.length;
  if (n > MAX_QUERIES) {
    throw new CloudWatchError(
      'ValidationError',
      `1 validation error detected: Value at 'metricDataQueries' failed to satisfy constraint: Member must have length less than or equal to ${MAX_QUERIES}`,
    );
  }
  const insights = input.MetricDataQueries.filter(isInsights);
  if (insights.length > MAX_INSIGHTS_QUERIES) {
    throw new CloudWatchError(
      'ValidationError',
      `Maximum number of queries (${MAX_INSIGHTS_QUERIES}) exceeded`,
    );
  }
  if (input.EndTime <= input.StartTime) {
    throw new CloudWatchError(
      'InvalidParameterValue',
      'The parameter StartTime must be less than the parameter EndTime.',
    );
  }
  if (insights.length > 0 && input.StartTime < nowSec - INSIGHTS_MAX_AGE_SECONDS) {
    throw new CloudWatchError(
      'ValidationError',
      `Metrics Insights queries can query only the most recent ${INSIGHTS_MAX_AGE_SECONDS / 86_400} days of metric data: StartTime is too early`,
    );
  }
  const ids = new Set<string>();
  for (const q of input.MetricDataQueries) {
    if (ids.has(q.Id))
      throw new CloudWatchError('ValidationError', `The value ${q.Id} for field Id must be unique.`);
    ids.add(q.Id);
  }
}

function answer(
  q: Query,
  input: GetMetricDataInput,
  stores: MetricStores,
  visibleUntilSec: number,
): { series: Series; label: string } {
  const start = Math.floor(input.StartTime);
  // Datapoints still being processed (the AWS-like timing mode's metric delay) are not there yet.
  const end = Math.min(Math.ceil(input.EndTime), visibleUntilSec);
  if (q.Expression !== undefined) {
    // Metrics Insights needs the query's Period; math and SEARCH expressions are not implemented.
    if (q.Period === undefined) {
      throw new CloudWatchError('ValidationError', `Query ${q.Id}: an Expression query needs a Period`);
    }
    let insights: ReturnType<typeof parseInsights>;
    try {
      insights = parseInsights(q.Expression);
    } catch (err) {
      throw new CloudWatchError('ValidationError', `Query ${q.Id}: ${(err as Error).message}`);
    }
    if (insights.match.namespace === 'AWS/Lambda') {
      throw new CloudWatchError(
        'ValidationError',
        `Query ${q.Id}: Metrics Insights over AWS/Lambda is not implemented locally`,
      );
    }
    return {
      series: stores.app.query(insights.match, insights.stat, q.Period, start, end),
      label: insights.match.metric,
    };
  }
  const stat = q.MetricStat;
  if (!stat) {
    throw new CloudWatchError(
      'ValidationError',
      `The parameter MetricDataQueries.member.${input.MetricDataQueries.indexOf(q) + 1} must contain either a MetricStat or an Expression.`,
    );
  }
  const { Namespace, MetricName } = stat.Metric;
  const dims = Object.fromEntries((stat.Metric.Dimensions ?? []).map((d) => [d.Name, d.Value]));
  try {
    if (Namespace !== 'AWS/Lambda') {
      const match = { namespace: Namespace, metric: MetricName, dimensions: dims, mode: 'exact' as const };
      return { series: stores.app.query(match, stat.Stat, stat.Period, start, end), label: MetricName };
    }
    if (!METRIC_NAMES.includes(MetricName as MetricName)) return { series: EMPTY, label: MetricName };
    return {
      series: stores.lambda.query(MetricName as MetricName, dims, stat.Stat, stat.Period, start, end),
      label: MetricName,
    };
  } catch (err) {
    throw new CloudWatchError('InvalidParameterValue', (err as Error).message);
  }
}

/** Parses (zod), checks the limits and answers every query whose ReturnData is not false. */
export function getMetricData(
  raw: unknown,
  stores: MetricStores,
  o: { nowSec: number; visibleUntilSec: number },
): MetricDataResult[] {
  const parsed = getMetricDataInput.safeParse(raw);
  if (!parsed.success) {
    throw new CloudWatchError(
      'ValidationError',
      parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    );
  }
  const input = parsed.data;
  checkLimits(input, o.nowSec);
  const results: MetricDataResult[] = [];
  for (const q of input.MetricDataQueries) {
    if (q.ReturnData === false) continue;
    const { series, label } = answer(q, input, stores, o.visibleUntilSec);
    const n = series.timestamps.length;
    const order =
      input.ScanBy === 'TimestampAscending'
        ? series.timestamps.map((_, i) => i)
        : series.timestamps.map((_, i) => n - 1 - i);
    results.push({
      Id: q.Id,
      Label: q.Label ?? label,
      Timestamps: order.map((i) => series.timestamps[i] as number),
      Values: order.map((i) => series.values[i] as number),
      StatusCode: 'Complete',
    });
  }
  return results;
}
