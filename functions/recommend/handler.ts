import { warmUpRuntime } from '../shared/inference.js';
import { createRecommendHandler } from './app.js';
import { loadConfig } from './config.js';
import { createModelProvider } from './model-provider.js';
import { createLogger, createMetrics } from './telemetry.js';

/**
 * Lambda entry: wires configuration, telemetry and the model provider once per environment. The
 * model loads on the first request (the rollout's pre-traffic probe is that request for a new version).
 */

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

export const handler = createRecommendHandler({ config, provider, logger, metrics });
