import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { type ErrorBody, errorResponse, isRoute, proxyEventSchema } from '../shared/api-gateway.js';
import { FEATURES, PLAUSIBLE_INPUT_RANGES } from '../shared/contract.js';
import { clampToActuators } from '../shared/inference.js';
import {
  createSigner,
  MODEL_PREFIX_HEX,
  type RecommendationKey,
  type RecommendationSigner,
} from '../shared/recommendation-token.js';
import {
  decodeBody,
  featureRow,
  MAX_USER_ID_LENGTH,
  parseRecommendRequest,
  type RequestError,
} from '../shared/request.js';
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
  /**
   * Benchmark instrumentation (`npm run bench:recommend -- --breakdown`): called with each Phase as
   * a request reaches it. Unset in production, where it costs one untaken branch per phase.
   */
  onPhase?: (phase: Phase) => void;
}

/** Where a successful request is when `onPhase` is called (after the named step). */
export const PHASES = [
  'start',
  'event', // proxy event checked and routed
  'request', // body decoded (JSON.parse), validated, feature row filled
  'model', // served model resolved and predictOne done (session.run and its wrappers)
  'clamp', // non-finite check, clamping to the actuators
  'token', // recommendation_id signed
  'body', // response body and result assembled
  'metrics', // after the handler's own bookkeeping and metrics.publish (the end)
] as const;
export type Phase = number;

export type RecommendHandler = (
  event: APIGatewayProxyEvent,
  context?: Context,
) => Promise<APIGatewayProxyResult>;

/** True when the invoked ARN is qualified by a version number (`…:function:name:7`), not an alias. */
export function invokedByVersion(context: Context | undefined): boolean {
  return /:function:[^:]+:\d+$/.test(context?.invokedFunctionArn ?? '');
}

/** The fields of a proxy event the handler reads (proxyEventSchema's output). */
interface ProxyEvent {
  httpMethod: string;
  path: string;
  body?: string | null;
  isBase64Encoded?: boolean | null;
  requestContext?: { stage?: string | undefined } | null;
}

/**
 * The event itself when proxyEventSchema certainly accepts it (every API Gateway event): the same
 * checks without zod's copy. Undefined means "ask zod", which also words the refusal.
 */
function plainEvent(raw: unknown): ProxyEvent | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const e = raw as Record<string, unknown>;
  if (typeof e.httpMethod !== 'string' || typeof e.path !== 'string') return undefined;
  const { body, isBase64Encoded, requestContext } = e;
  if (body !== null && body !== undefined && typeof body !== 'string') return undefined;
  if (isBase64Encoded !== null && isBase64Encoded !== undefined && typeof isBase64Encoded !== 'boolean') {
    return undefined;
  }
  if (requestContext !== null && requestContext !== undefined) {
    if (typeof requestContext !== 'object' || Array.isArray(requestContext)) return undefined;
    const stage = (requestContext as Record<string, unknown>).stage;
    if (stage !== undefined && typeof stage !== 'string') return undefined;
  }
  return raw as ProxyEvent;
}

const FEATURE_MIN = Float64Array.from(FEATURES, (f) => PLAUSIBLE_INPUT_RANGES[f].min);
const FEATURE_MAX = Float64Array.from(FEATURES, (f) => PLAUSIBLE_INPUT_RANGES[f].max);

/**
 * Fills `row` (FEATURES order) when recommendRequestSchema certainly accepts `body`: every
 * measurement a number within its plausible range (NaN and ±Infinity fail the comparison), user_id
 * absent or a string of at most MAX_USER_ID_LENGTH. False means "ask zod", which names the problem.
 */
function plainRequest(body: unknown, row: number[]): boolean {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const b = body as Record<string, unknown>;
  for (let j = 0; j < FEATURES.length; j++) {
    const v = b[FEATURES[j] as string];
    if (typeof v !== 'number' || !(v >= (FEATURE_MIN[j] as number) && v <= (FEATURE_MAX[j] as number))) {
      return false;
    }
    row[j] = v;
  }
  const userId = b.user_id;
  return userId === undefined || (typeof userId === 'string' && userId.length <= MAX_USER_ID_LENGTH);
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
  onPhase,
}: RecommendDeps): RecommendHandler {
  const version = config.functionVersion;
  let suffixFor: ServedModel | undefined;
  let suffix = '';
  let signer: RecommendationSigner | undefined;
  // The feature row, refilled per request: predictOne copies it before its first await.
  const row = new Array<number>(FEATURES.length).fill(0);
  // The last invoking ARN and whether it names a version (the same ARN on every call of an environment).
  let lastArn: string | undefined;
  let lastArnIsVersion = false;

  async function serve(raw: unknown, context?: Context): Promise<Outcome> {
    let event = plainEvent(raw);
    if (event === undefined) {
      const parsedEvent = proxyEventSchema.safeParse(raw);
      if (!parsedEvent.success) {
        return refuse({ status: 400, code: 'invalid_event', message: 'not an API Gateway proxy event' });
      }
      event = parsedEvent.data;
    }
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
    if (onPhase !== undefined) onPhase(1);
    const json = decodeBody(event.body, event.isBase64Encoded ?? false);
    if (!json.ok) return refuse(requestError(json.error));
    let userId: string | undefined;
    let features: number[] = row;
    if (plainRequest(json.value, row)) {
      userId = (json.value as { user_id?: string }).user_id;
    } else {
      const request = parseRecommendRequest(json.value);
      if (!request.ok) return refuse(requestError(request.error));
      userId = request.value.user_id;
      features = featureRow(request.value);
    }
    if (onPhase !== undefined) onPhase(2);

    let served: ServedModel;
    let predicted: number[];
    try {
      // A healthy environment's model, without awaiting the settled promise of get(); a degraded one
      // asks get(), which schedules the retry of the pinned model.
      const current = provider.current();
      served = current !== undefined && !current.degraded ? current : await provider.get();
      predicted = await served.model.predictOne(features);
    } catch (err) {
      logger.error('no prediction could be made', { error: err as Error, request_id: context?.awsRequestId });
      return refuse({
        status: 500,
        code: 'internal_error',
        message: 'the model could not be run; try again',
      });
    }
    if (onPhase !== undefined) onPhase(3);
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
      suffix = modelSuffix({ version, key: served.key, sha256: served.sha256 }, served.reason);
      signer = signingKey
        ? createSigner(signingKey, version, served.sha256.slice(0, MODEL_PREFIX_HEX))
        : undefined;
      suffixFor = served;
    }
    if (onPhase !== undefined) onPhase(4);
    const recommendationId = signer !== undefined ? signer(values, Math.floor(now() / 1000)) : undefined;
    if (onPhase !== undefined) onPhase(5);
    const body = successBody(values, clamped, userId, suffix, recommendationId);
    if (onPhase !== undefined) onPhase(6);
    return {
      result: { statusCode: 200, headers: { 'Content-Type': 'application/json' }, body },
      clamps: clamped.length,
      degraded: served.degraded,
      sha: served.sha256,
    };
  }

  return async (event, context) => {
    if (onPhase !== undefined) onPhase(0);
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
    const arn = context?.invokedFunctionArn;
    if (arn !== lastArn) {
      lastArn = arn;
      lastArnIsVersion = invokedByVersion(context);
    }
    if (lastArnIsVersion) return outcome.result;
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
    if (onPhase !== undefined) onPhase(7);
    return outcome.result;
  };
}
