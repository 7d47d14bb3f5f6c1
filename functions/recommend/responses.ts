import type { APIGatewayProxyResult } from 'aws-lambda';
import { TARGETS, type Target } from '../shared/contract.js';

/** The wire format of issue 2 §4: `{"status":"success",…}` and `{"status":"error","error":{…}}`. */

const JSON_HEADERS = { 'Content-Type': 'application/json' } as const;

export interface ErrorBody {
  status: number;
  code: string;
  message: string;
  details?: unknown;
}

export function errorResponse(e: ErrorBody, headers: Record<string, string> = {}): APIGatewayProxyResult {
  const error = {
    code: e.code,
    message: e.message,
    ...(e.details === undefined ? {} : { details: e.details }),
  };
  return {
    statusCode: e.status,
    headers: { ...JSON_HEADERS, ...headers },
    body: JSON.stringify({ status: 'error', error }),
  };
}

export interface ModelIdentity {
  version: string;
  key: string;
  sha256: string;
}

/** float32 outputs carry ~7 significant digits; 3 decimals (µm, millidegree) is already beyond any actuator. */
function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}

export function successBody(
  values: readonly number[],
  clamped: readonly Target[],
  userId: string | undefined,
  model: ModelIdentity,
  degradedReason: string | undefined,
): string {
  const data: Partial<Record<Target, number>> = {};
  for (let i = 0; i < TARGETS.length; i++) data[TARGETS[i] as Target] = round3(values[i] as number);
  return JSON.stringify({
    status: 'success',
    data,
    ...(userId === undefined ? {} : { user_id: userId }),
    model,
    ...(degradedReason === undefined ? {} : { degraded: true, reason: degradedReason }),
    ...(clamped.length > 0 ? { clamped } : {}),
  });
}
