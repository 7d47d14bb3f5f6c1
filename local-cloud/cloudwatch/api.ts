import { CloudWatchError, getMetricData, type MetricStores } from './get-metric-data.js';

/**
 * GetMetricData in the AWS JSON 1.0 protocol that @aws-sdk/client-cloudwatch speaks
 * (`X-Amz-Target: GraniteServiceVersion20100801.GetMetricData`, timestamps as epoch seconds). The
 * client runs in awsQueryCompatible mode: it reads an error's code from `x-amzn-query-error`.
 */
export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const JSON_TYPE = 'application/x-amz-json-1.0';

/**
 * The JSON protocol names an error by its shape, the query protocol by its code; the SDK's model
 * pairs them (awsQueryError), e.g. ValidationException ↔ ValidationError.
 */
const SHAPES: Record<string, string> = {
  ValidationError: 'ValidationException',
  InvalidParameterValue: 'InvalidParameterValueException',
};

export function jsonError(err: CloudWatchError): WireResponse {
  return {
    status: 400,
    headers: { 'content-type': JSON_TYPE, 'x-amzn-query-error': `${err.code};Sender` },
    body: JSON.stringify({
      __type: `com.amazonaws.cloudwatch#${SHAPES[err.code] ?? err.code}`,
      message: err.message,
    }),
  };
}

export function getMetricDataJson(
  body: Buffer,
  stores: MetricStores,
  o: { nowSec: number; visibleUntilSec: number },
): WireResponse {
  try {
    let raw: unknown;
    try {
      raw = JSON.parse(body.toString('utf8') || '{}');
    } catch {
      throw new CloudWatchError('SerializationException', 'Could not parse the request body as JSON');
    }
    const results = getMetricData(raw, stores, o);
    return {
      status: 200,
      headers: { 'content-type': JSON_TYPE },
      body: JSON.stringify({ MetricDataResults: results, Messages: [] }),
    };
  } catch (err) {
    if (err instanceof CloudWatchError) return jsonError(err);
    throw err;
  }
}
