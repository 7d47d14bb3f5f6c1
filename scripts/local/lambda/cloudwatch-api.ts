import { z } from 'zod';
import { METRIC_NAMES, type MetricName, type MetricsStore } from './metrics.js';

/**
 * CloudWatch GetMetricData over the local Lambda metrics, in the AWS JSON 1.0 protocol that
 * @aws-sdk/client-cloudwatch speaks (`X-Amz-Target: GraniteServiceVersion20100801.GetMetricData`,
 * timestamps as epoch seconds). Only namespace AWS/Lambda with MetricStat queries is supported.
 */
export const CLOUDWATCH_TARGET_PREFIX = 'GraniteServiceVersion20100801.';

const dimension = z.object({ Name: z.string(), Value: z.string() });
const query = z.object({
  Id: z.string(),
  Label: z.string().optional(),
  ReturnData: z.boolean().optional(),
  Expression: z.string().optional(),
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

export function handleCloudWatch(target: string, body: Buffer, metrics: MetricsStore): JsonResponse {
  const action = target.slice(CLOUDWATCH_TARGET_PREFIX.length);
  if (action !== 'GetMetricData') {
    return error(400, 'InvalidAction', `The local cloud implements only GetMetricData, not ${action}`);
  }
  let input: z.infer<typeof getMetricDataInput>;
  try {
    input = getMetricDataInput.parse(JSON.parse(body.toString('utf8') || '{}'));
  } catch (err) {
    return error(400, 'InvalidParameterValue', err instanceof Error ? err.message : String(err));
  }
  const results = [];
  for (const q of input.MetricDataQueries) {
    if (q.ReturnData === false) continue;
    const stat = q.MetricStat;
    if (!stat)
      return error(400, 'InvalidParameterValue', `Query ${q.Id}: only MetricStat is supported locally`);
    if (
      stat.Metric.Namespace !== 'AWS/Lambda' ||
      !METRIC_NAMES.includes(stat.Metric.MetricName as MetricName)
    ) {
      results.push({
        Id: q.Id,
        Label: q.Label ?? stat.Metric.MetricName,
        Timestamps: [],
        Values: [],
        StatusCode: 'Complete',
      });
      continue;
    }
    const dims = Object.fromEntries((stat.Metric.Dimensions ?? []).map((d) => [d.Name, d.Value]));
    let series: { timestamps: number[]; values: number[] };
    try {
      series = metrics.query(
        stat.Metric.MetricName as MetricName,
        dims,
        stat.Stat,
        stat.Period,
        Math.floor(input.StartTime),
        Math.ceil(input.EndTime),
      );
    } catch (err) {
      return error(400, 'InvalidParameterValue', err instanceof Error ? err.message : String(err));
    }
    const ascending = input.ScanBy === 'TimestampAscending';
    const order = ascending
      ? series.timestamps.map((_, i) => i)
      : series.timestamps.map((_, i) => series.timestamps.length - 1 - i);
    results.push({
      Id: q.Id,
      Label: q.Label ?? stat.Metric.MetricName,
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
