import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { type ErrorBody, errorResponse, isRoute, proxyEventSchema } from '../shared/api-gateway.js';
import { clampToActuators } from '../shared/inference.js';
import { MODEL_PREFIX_HEX, type RecommendationKey, sign } from '../shared/recommendation-token.js';
import { decodeBody, featureRow, parseRecommendRequest, type RequestError } from '../shared/request.js';
import type { RecommendConfig } from './config.js';
import type { ModelProvider, ServedModel } from './model-provider.js';
import { modelSuffix, successBody } from './responses.js';
import type { RequestMetrics } from './telemetry.js';

/**
 * POST /recommend over an API Gateway REST proxy event: route, validate, predict, clamp, answer.
 * Bad input is always a 4xx with the offending field named; only a failure of the service itself
 * (no model at all, a crashing session) is a 5xx.
 */

export const ROUTE_PATH = '/recommend';

export interface RecommendDeps {
  config: RecommendConfig;
  provider: ModelProvider;
  logger: Logger;
  metrics: RequestMetrics;
  /** Signs each answer's `recommendation_id` (functions/shared/recommendation-token.ts); none: no id. */
  signingKey?: RecommendationKey;
  /** Epoch milliseconds (tests). */
  now?: () => number;
}

export type RecommendHandler = (
  event: APIGatewayProxyEvent,
  context?: Context,
) => Promise<APIGatewayProxyResult>;

/** True when the invoked ARN is qualified by a version number (`…:function:name:7`), not an alias. */
export function invokedByVersion(context: Context | undefined): boolean {
  return /:function:[^:]+:\d+$/.test(context?.invokedFunctionArn ?? '');
}

function requestError(e: RequestError): ErrorBody {
  return { status: e.status, code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) };
}

interface Outcome {
  result: APIGatewayProxyResult;
  clamps: number;
  degraded: boolean;
  /** The served model, when one was involved (metrics dimension). */
  sha?: string;
}

function refuse(e: ErrorBody, headers?: Record<string, string>): Outcome {
  return { result: errorResponse(e, headers), clamps: 0, degraded: false };
}

export function createRecommendHandler({
  config,
  provider,
  logger,
  metrics,
  signingKey,
  now = Date.now,
}: RecommendDeps): RecommendHandler {
  const version = config.functionVersion;
  let suffixFor: ServedModel | undefined;
  let suffix = '';
  let modelPrefix = '';

  async function serve(raw: unknown, context?: Context): Promise<Outcome> {
    const parsedEvent = proxyEventSchema.safeParse(raw);
    if (!parsedEvent.success) {
      return refuse({ status: 400, code: 'invalid_event', message: 'not an API Gateway proxy event' });
    }
    const event = parsedEvent.data;
    if (!isRoute(ROUTE_PATH, event.path, event.requestContext?.stage)) {
      return refuse({
        status: 404,
        code: 'not_found',
        message: `no route ${event.path}; use POST ${ROUTE_PATH}`,
      });
    }
    if (event.httpMethod !== 'POST') {
      const message = `${event.httpMethod} is not allowed on ${ROUTE_PATH}; use POST`;
      return refuse({ status: 405, code: 'method_not_allowed', message }, { Allow: 'POST' });
    }
    const json = decodeBody(event.body, event.isBase64Encoded ?? false);
    if (!json.ok) return refuse(requestError(json.error));
    const request = parseRecommendRequest(json.value);
    if (!request.ok) return refuse(requestError(request.error));

    let served: ServedModel;
    let predicted: number[];
    try {
      served = await provider.get();
      predicted = await served.model.predictOne(featureRow(request.value));
    } catch (err) {
      logger.error('no prediction could be made', { error: err as Error, request_id: context?.awsRequestId });
      return refuse({
        status: 500,
        code: 'internal_error',
        message: 'the model could not be run; try again',
      });
    }
    if (!predicted.every(Number.isFinite)) {
      logger.error('model returned a non-finite value', {
        sha256: served.sha256,
        predicted: predicted.map(String),
      });
      const out = refuse({
        status: 500,
        code: 'inference_failed',
        message: 'the model returned an invalid value',
      });
      return { ...out, degraded: served.degraded, sha: served.sha256 };
    }
    const { values, clamped } = clampToActuators(predicted);
    if (served !== suffixFor) {
      suffixFor = served;
      suffix = modelSuffix({ version, key: served.key, sha256: served.sha256 }, served.reason);
      modelPrefix = served.sha256.slice(0, MODEL_PREFIX_HEX);
    }
    const recommendationId = signingKey
      ? sign(
          {
            functionVersion: version,
            modelSha256Prefix: modelPrefix,
            values,
            issuedAt: Math.floor(now() / 1000),
          },
          signingKey,
        )
      : undefined;
    const body = successBody(values, clamped, request.value.user_id, suffix, recommendationId);
    return {
      result: { statusCode: 200, headers: { 'Content-Type': 'application/json' }, body },
      clamps: clamped.length,
      degraded: served.degraded,
      sha: served.sha256,
    };
  }

  return async (event, context) => {
    const started = performance.now();
    let outcome: Outcome;
    try {
      outcome = await serve(event, context);
    } catch (err) {
      // serve() handles every expected failure; this is the last line against a crash.
      logger.error('unexpected failure', { error: err as Error, request_id: context?.awsRequestId });
      outcome = refuse({ status: 500, code: 'internal_error', message: 'unexpected error' });
    }
    const { statusCode } = outcome.result;
    if (statusCode >= 400 && statusCode < 500) {
      logger.info('rejected request', { status: statusCode, body: outcome.result.body.slice(0, 500) });
    }
    // Calls addressed to a version number (the rollout's pre-traffic probes) are not traffic: the
    // gates judge the candidate on what reached it through the alias, so those calls stay out of the
    // metrics the gates read — else a gate could pass on the probes alone.
    if (invokedByVersion(context)) return outcome.result;
    try {
      metrics.publish({
        modelSha256: outcome.sha ?? provider.current()?.sha256 ?? config.model.sha256,
        latencyMs: performance.now() - started,
        status: statusCode,
        clamps: outcome.clamps,
        degraded: outcome.degraded,
      });
    } catch (err) {
      logger.warn('metrics not published', { error: err as Error });
    }
    return outcome.result;
  };
}
