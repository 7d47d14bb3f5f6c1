import { z } from 'zod';
import type { AppMetricsStore } from './app-metrics.js';
import { parseInsights } from './insights.js';
import { METRIC_NAMES, type MetricName, type MetricsStore, type Series } from './metrics.js';

/**
 * CloudWatch GetMetricData over the metric stores, in the AWS JSON 1.0 protocol that
 * @aws-sdk/client-cloudwatch speaks (timestamps as epoch seconds). MetricStat queries over AWS/Lambda
 * (invocation metrics) and over custom namespaces (from the functions' EMF lines; the dimension set
 * must match exactly, as on AWS), and Metrics Insights `Expression` queries over custom namespaces
 * (insights.ts).
 */

const dimension = z.object({ Name: z.string(), Value: z.string() });
const query = z.object({
  Id: z.string(),
  Label: z.string().optional(),
  ReturnData: z.boolean().optional(),
  Expression: z.string().optional(),
  Period: z.number().int().min(1).optional(),
  MetricStat: z
    .object({
      Metric: z.object({
        Namespace: z.string(),
        MetricName: z.string(),
        Dimensions: z.array(dimension).optional(),
      }),
      Period: z.number().int().min(1),
      Stat: z.string(),
      Unit: z.string().optional(),
    })
    .optional(),
});
const getMetricDataInput = z.object({
  MetricDataQueries: z.array(query).min(1).max(500),
  StartTime: z.number(),
  EndTime: z.number(),
  ScanBy: z.enum(['TimestampDescending', 'TimestampAscending']).optional(),
  MaxDatapoints: z.number().optional(),
  NextToken: z.string().optional(),
});

export interface JsonResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function error(status: number, type: string, message: string): JsonResponse {
  return {
    status,
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      // The SDK's awsQueryCompatible mode reads the error code from this header.
      'x-amzn-query-error': `${type};Sender`,
    },
    body: JSON.stringify({ __type: `com.amazonaws.cloudwatch#${type}`, message }),
  };
}

export interface MetricStores {
  /** AWS/Lambda invocation metrics. */
  lambda: MetricsStore;
  /** Custom namespaces, extracted from the functions' EMF log lines. */
  app: AppMetricsStore;
}

const EMPTY: Series = { timestamps: [], values: [] };

function answer(
  q: z.infer<typeof query>,
  input: z.infer<typeof getMetricDataInput>,
  stores: MetricStores,
): { series: Series; label: string } {
  const start = Math.floor(input.StartTime);
  const end = Math.ceil(input.EndTime);
  if (q.Expression !== undefined) {
    // Metrics Insights needs the query's Period; math and SEARCH expressions are not implemented.
    if (q.Period === undefined) throw new Error(`Query ${q.Id}: an Expression query needs a Period`);
    const insights = parseInsights(q.Expression);
    if (insights.match.namespace === 'AWS/Lambda')
      throw new Error(`Query ${q.Id}: Metrics Insights over AWS/Lambda is not implemented locally`);
    return {
      series: stores.app.query(insights.match, insights.stat, q.Period, start, end),
      label: insights.match.metric,
    };
  }
  const stat = q.MetricStat;
  if (!stat) throw new Error(`Query ${q.Id}: needs a MetricStat or an Expression`);
  const { Namespace, MetricName } = stat.Metric;
  const dims = Object.fromEntries((stat.Metric.Dimensions ?? []).map((d) => [d.Name, d.Value]));
  if (Namespace !== 'AWS/Lambda') {
    const match = { namespace: Namespace, metric: MetricName, dimensions: dims, mode: 'exact' as const };
    return { series: stores.app.query(match, stat.Stat, stat.Period, start, end), label: MetricName };
  }
  if (!METRIC_NAMES.includes(MetricName as MetricName)) return { series: EMPTY, label: MetricName };
  return {
    series: stores.lambda.query(MetricName as MetricName, dims, stat.Stat, stat.Period, start, end),
    label: MetricName,
  };
}

export function getMetricData(body: Buffer, stores: MetricStores): JsonResponse {
  let input: z.infer<typeof getMetricDataInput>;
  try {
    input = getMetricDataInput.parse(JSON.parse(body.toString('utf8') || '{}'));
  } catch (err) {
    return error(400, 'InvalidParameterValue', err instanceof Error ? err.message : String(err));
  }
  const results = [];
  for (const q of input.MetricDataQueries) {
    if (q.ReturnData === false) continue;
    let series: Series;
    let label: string;
    try {
      const answered = answer(q, input, stores);
      series = answered.series;
      label = q.Label ?? answered.label;
    } catch (err) {
      return error(400, 'InvalidParameterValue', err instanceof Error ? err.message : String(err));
    }
    const ascending = input.ScanBy === 'TimestampAscending';
    const order = ascending
      ? series.timestamps.map((_, i) => i)
      : series.timestamps.map((_, i) => series.timestamps.length - 1 - i);
    results.push({
      Id: q.Id,
      Label: label,
      Timestamps: order.map((i) => series.timestamps[i]),
      Values: order.map((i) => series.values[i]),
      StatusCode: 'Complete',
    });
  }
  return {
    status: 200,
    headers: { 'content-type': 'application/x-amz-json-1.0' },
    body: JSON.stringify({ MetricDataResults: results, Messages: [] }),
  };
}
