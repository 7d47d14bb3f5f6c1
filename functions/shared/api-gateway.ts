import type { APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod/mini';

/**
 * What the API's functions share about API Gateway REST proxy events: the fields they read, how a
 * path names their route, and the error wire format (`{"status":"error","error":{code,message,…}}`).
 */

// Only the fields the handlers read; the rest of the (large) proxy event is ignored, not copied.
export const proxyEventSchema = z.object({
  httpMethod: z.string(),
  path: z.string(),
  body: z.nullish(z.string()),
  isBase64Encoded: z.nullish(z.boolean()),
  requestContext: z.nullish(z.object({ stage: z.optional(z.string()) })),
});

/** Whether `path` is `route`: REST APIs give the resource path; custom domains without a base path mapping include the stage. */
export function isRoute(route: string, path: string, stage: string | undefined): boolean {
  const p = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  return p === route || (stage !== undefined && p === `/${stage}${route}`);
}

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
