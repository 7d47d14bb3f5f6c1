import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { type ErrorBody, errorResponse, isRoute, proxyEventSchema } from '../shared/api-gateway.js';
import { type RecommendationKey, RecommendationTokenError, verify } from '../shared/recommendation-token.js';
import { decodeBody } from '../shared/request.js';
import { outcomeLine } from './outcome-metrics.js';
import { parseFeedback } from './request.js';

/**
 * POST /feedback over an API Gateway REST proxy event: validate the body, verify the
 * recommendation_id, write the outcome metrics, answer 202. Every client mistake — body, field or
 * token — is a 4xx naming the field; nothing is stored.
 */

export const ROUTE_PATH = '/feedback';

export interface FeedbackDeps {
  /** Verifying keys: the current one and, after a rotation, the previous one. */
  keys: readonly RecommendationKey[];
  maxAgeSeconds: number;
  logger: Logger;
  /** Where the EMF lines go (process.stdout.write on Lambda). */
  write: (line: string) => void;
  /** Epoch milliseconds (tests). */
  now?: () => number;
}

export type FeedbackHandler = (
  event: APIGatewayProxyEvent,
  context?: Context,
) => Promise<APIGatewayProxyResult>;

const ACCEPTED: APIGatewayProxyResult = {
  statusCode: 202,
  headers: { 'Content-Type': 'application/json' },
  body: '{"status":"accepted"}',
};

/** A token that does not verify: 410 when it only expired (the recommendation is gone), else 400. */
function tokenRefused(err: RecommendationTokenError): ErrorBody {
  const field = 'recommendation_id';
  return {
    status: err.code === 'expired' ? 410 : 400,
    code: `recommendation_id_${err.code}`,
    message: `${field}: ${err.message}`,
    details: { fields: [{ field, code: err.code, message: err.message }] },
  };
}

export function createFeedbackHandler({ keys, maxAgeSeconds, logger, write, now = Date.now }: FeedbackDeps) {
  function serve(raw: unknown): APIGatewayProxyResult {
    const parsedEvent = proxyEventSchema.safeParse(raw);
    if (!parsedEvent.success) {
      return errorResponse({ status: 400, code: 'invalid_event', message: 'not an API Gateway proxy event' });
    }
    const event = parsedEvent.data;
    if (!isRoute(ROUTE_PATH, event.path, event.requestContext?.stage)) {
      const message = `no route ${event.path}; use POST ${ROUTE_PATH}`;
      return errorResponse({ status: 404, code: 'not_found', message });
    }
    if (event.httpMethod !== 'POST') {
      const message = `${event.httpMethod} is not allowed on ${ROUTE_PATH}; use POST`;
      return errorResponse({ status: 405, code: 'method_not_allowed', message }, { Allow: 'POST' });
    }
    const json = decodeBody(event.body, event.isBase64Encoded ?? false);
    if (!json.ok) return errorResponse(json.error);
    const feedback = parseFeedback(json.value);
    if (!feedback.ok) return errorResponse(feedback.error);

    const nowMs = now();
    let claims: ReturnType<typeof verify>;
    try {
      claims = verify(feedback.value.recommendation_id, keys, { now: nowMs / 1000, maxAgeSeconds });
    } catch (err) {
      if (err instanceof RecommendationTokenError) return errorResponse(tokenRefused(err));
      throw err;
    }
    const line = outcomeLine({
      servedVersion: claims.functionVersion,
      modelSha256Prefix: claims.modelSha256Prefix,
      predicted: claims.values,
      final: feedback.value.final,
      timestampMs: nowMs,
    });
    if (line) write(line);
    return ACCEPTED;
  }

  return async (event: APIGatewayProxyEvent, context?: Context): Promise<APIGatewayProxyResult> => {
    let result: APIGatewayProxyResult;
    try {
      result = serve(event);
    } catch (err) {
      // serve() answers every client mistake; this is the last line against a crash.
      logger.error('unexpected failure', { error: err as Error, request_id: context?.awsRequestId });
      return errorResponse({ status: 500, code: 'internal_error', message: 'unexpected error' });
    }
    if (result.statusCode >= 400) {
      logger.info('rejected feedback', { status: result.statusCode, body: result.body.slice(0, 500) });
    }
    return result;
  };
}
