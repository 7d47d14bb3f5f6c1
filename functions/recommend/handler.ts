import { warmUpRuntime } from '../shared/inference.js';
import { readSigningKey } from '../shared/recommendation-key.js';
import { createRecommendHandler } from './app.js';
import { loadConfig } from './config.js';
import { createModelProvider } from './model-provider.js';
import { createLogger, createMetrics } from './telemetry.js';

/**
 * Lambda entry: wires configuration, telemetry and the model provider once per environment, and
 * loads the model during init (top-level await). So the download, sha256 check and session creation
 * happen in Lambda's init phase — ahead of traffic with provisioned concurrency, reported as Init
 * Duration rather than in the Duration the rollout's p99 gate compares — instead of inside the first
 * request of every new environment.
 */

const BENCH_PHASE_HOOK = Symbol.for('hypermob.bench.recommendPhase');

const config = loadConfig();
const logger = createLogger(config.functionVersion);
const metrics = createMetrics(config.metricsNamespace, config.functionVersion, {
  flushIntervalMs: config.metricsFlushIntervalMs,
});

const provider = createModelProvider({
  location: config.model,
  // Loaded only when needed: the trainer and the template parsing stay off every healthy cold start.
  fallback: async () => (await import('./fallback.js')).trainFallback(),
  retryAfterMs: config.retryAfterMs,
  warmUp: warmUpRuntime,
  onLoaded: (info) => logger.info('model loaded', { ...info }),
  onDegraded: (reason, error, fallback) =>
    logger.warn('serving the fallback model', { reason, error, pinned: config.model, fallback }),
  onRetryFailed: (reason, error) => logger.warn('pinned model still unavailable', { reason, error }),
});

// The signing key is read alongside the model download. Unlike the model, a key that cannot be read
// fails init (Lambda retries it on the next call; the rollout's pre-traffic probe sees it first):
// a version answering without recommendation ids would silently drop out of every A/B readout.
const signingKey = config.recommendationKeySecret
  ? readSigningKey(config.recommendationKeySecret)
  : undefined;
signingKey?.catch(() => undefined); // awaited below; not an unhandled rejection while the model loads

// Never fails init: a model that cannot be served resolves to the degraded fallback, and any other
// error surfaces again (and is logged) on the request that asks for the model.
await provider.get().catch(() => undefined);

// `npm run bench:recommend -- --breakdown` times the phases of each request through this hook, set
// by its environment process before importing the bundle; never set on Lambda.
const onPhase = (globalThis as { [BENCH_PHASE_HOOK]?: (phase: number) => void })[BENCH_PHASE_HOOK];

export const handler = createRecommendHandler({
  config,
  provider,
  logger,
  metrics,
  ...(signingKey ? { signingKey: await signingKey } : {}),
  ...(typeof onPhase === 'function' ? { onPhase } : {}),
});
