import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import type { ModelLocation } from '../shared/model-store.js';

/**
 * The recommend function's configuration, read once per environment. The release step pins the
 * model by writing MODEL_* and publishing a version, so each published version serves exactly
 * the bytes it was given. Invalid configuration fails the cold start (and with it the rollout's
 * pre-traffic probe) instead of serving something unpinned.
 */

// CloudFormation cannot delete an environment variable in place; an empty value means "not set".
const optional = <T extends z.ZodMiniType>(schema: T) =>
  z.pipe(
    z.transform((v: unknown) => (v === '' ? undefined : v)),
    z.optional(schema),
  );

// zod/mini (not classic zod: ~450 kB less bundle to parse and evaluate on every cold start) keeps
// no locale; English messages only matter when the configuration is wrong, so they are passed then.
const englishErrors = en().localeError;

export const configSchema = z.object({
  MODEL_BUCKET: z.string().check(z.minLength(1)),
  MODEL_KEY: z.string().check(z.minLength(1)),
  MODEL_SHA256: z.pipe(
    z.string().check(z.regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex digits')),
    z.transform((s) => s.toLowerCase()),
  ),
  MODEL_VERSION_ID: optional(z.string()),
  MODEL_SIZE: optional(z.coerce.number().check(z.int(), z.positive())),
  /** Set by Lambda (and by the local cloud) to the version executing this environment. */
  AWS_LAMBDA_FUNCTION_VERSION: z._default(z.string().check(z.minLength(1)), '$LATEST'),
  POWERTOOLS_METRICS_NAMESPACE: z._default(z.string().check(z.minLength(1)), 'Hypermob'),
  /** How long a degraded environment waits before trying the pinned model again. */
  MODEL_RETRY_SECONDS: optional(z.coerce.number().check(z.nonnegative())),
  /** The secret holding the key that signs recommendation ids (ARN or name); unset: answers carry none. */
  RECOMMENDATION_KEY_SECRET: optional(z.string()),
  /** Longest a metric value waits in memory before its EMF document is written (telemetry.ts). */
  METRICS_FLUSH_INTERVAL_MS: optional(z.coerce.number().check(z.nonnegative())),
});

export interface RecommendConfig {
  model: ModelLocation;
  functionVersion: string;
  metricsNamespace: string;
  retryAfterMs: number;
  metricsFlushIntervalMs: number;
  recommendationKeySecret?: string;
}

export const DEFAULT_RETRY_SECONDS = 60;

export class ConfigurationError extends Error {
  override name = 'InvalidConfiguration';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): RecommendConfig {
  const parsed = configSchema.safeParse(env, { error: englishErrors });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigurationError(`invalid recommend configuration: ${problems}`);
  }
  const e = parsed.data;
  return {
    model: {
      bucket: e.MODEL_BUCKET,
      key: e.MODEL_KEY,
      sha256: e.MODEL_SHA256,
      ...(e.MODEL_VERSION_ID ? { versionId: e.MODEL_VERSION_ID } : {}),
      ...(e.MODEL_SIZE ? { size: e.MODEL_SIZE } : {}),
    },
    functionVersion: e.AWS_LAMBDA_FUNCTION_VERSION,
    metricsNamespace: e.POWERTOOLS_METRICS_NAMESPACE,
    retryAfterMs: (e.MODEL_RETRY_SECONDS ?? DEFAULT_RETRY_SECONDS) * 1000,
    metricsFlushIntervalMs: e.METRICS_FLUSH_INTERVAL_MS ?? 1000,
    ...(e.RECOMMENDATION_KEY_SECRET ? { recommendationKeySecret: e.RECOMMENDATION_KEY_SECRET } : {}),
  };
}
