import { randomUUID } from 'node:crypto';
import type { WireResponse } from './api.js';
import { CloudWatchError, getMetricData, type MetricStores } from './get-metric-data.js';
import { queryErrorXml, queryResponseXml } from './query-protocol.js';

/**
 * GetMetricData in the query protocol (query-protocol.ts), for the AWS CLI v1 and older v2: the form
 * is turned into the JSON protocol's input (numbers, booleans, ISO 8601 timestamps → epoch seconds)
 * and answered by the same code as the SDK's requests; the result is CloudWatch's XML.
 */
export const CLOUDWATCH_XMLNS = 'http://monitoring.amazonaws.com/doc/2010-08-01/';

const XML_TYPE = 'text/xml';

function seconds(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  // The CLI sends ISO 8601; the query protocol also allows epoch seconds.
  const n = /^\d+(\.\d+)?$/.test(v) ? Number(v) : Date.parse(v) / 1000;
  return Number.isNaN(n) ? v : n;
}
const num = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v);
const bool = (v: unknown) => (v === 'true' ? true : v === 'false' ? false : v);

/** The decoded form as GetMetricData's JSON input (typed scalars); zod checks it afterwards. */
export function metricDataInputFromForm(form: Record<string, unknown>): Record<string, unknown> {
  const queries = Array.isArray(form.MetricDataQueries) ? form.MetricDataQueries : [];
  return {
    ...form,
    StartTime: seconds(form.StartTime),
    EndTime: seconds(form.EndTime),
    ...(form.MaxDatapoints !== undefined ? { MaxDatapoints: num(form.MaxDatapoints) } : {}),
    MetricDataQueries: queries.map((q: Record<string, unknown>) => {
      const stat = q.MetricStat as Record<string, unknown> | undefined;
      return {
        ...q,
        ...(q.Period !== undefined ? { Period: num(q.Period) } : {}),
        ...(q.ReturnData !== undefined ? { ReturnData: bool(q.ReturnData) } : {}),
        ...(stat ? { MetricStat: { ...stat, Period: num(stat.Period) } } : {}),
      };
    }),
  };
}

export function getMetricDataQuery(
  form: Record<string, unknown>,
  stores: MetricStores,
  o: { nowSec: number; visibleUntilSec: number },
): WireResponse {
  const requestId = randomUUID();
  try {
    const results = getMetricData(metricDataInputFromForm(form), stores, o);
    const xmlResults = results.map((r) => ({
      ...r,
      Timestamps: r.Timestamps.map((t) => new Date(t * 1000).toISOString().replace('.000Z', 'Z')),
    }));
    return {
      status: 200,
      headers: { 'content-type': XML_TYPE },
      body: queryResponseXml(
        'GetMetricData',
        CLOUDWATCH_XMLNS,
        { MetricDataResults: xmlResults, Messages: [] },
        requestId,
      ),
    };
  } catch (err) {
    if (!(err instanceof CloudWatchError)) throw err;
    return {
      status: 400,
      headers: { 'content-type': XML_TYPE },
      body: queryErrorXml(CLOUDWATCH_XMLNS, err.code, err.message, requestId),
    };
  }
}
