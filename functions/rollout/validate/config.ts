import { z } from 'zod';
import { LIVE_ALIAS, MODEL_BUCKET_NAME, RECOMMEND_FUNCTION_NAME } from '../../../system/manifest.js';
import { DEFAULT_THRESHOLDS, type Thresholds } from './thresholds.js';

/**
 * The validation function's configuration, read once per environment from process.env. Every
 * variable is optional; the defaults are the production values (docs/validation.md says why).
 * The CDK stack and the local cloud set these from VALIDATE_ENV_DEFAULTS' names.
 */
const positive = z.coerce.number().positive();
const fraction = z.coerce.number().min(0).max(1);
const prefix = z
  .string()
  .min(1)
  .transform((p) => (p.endsWith('/') ? p : `${p}/`));

export const configSchema = z.object({
  /** Bucket holding models, the golden data (GOLDEN_PREFIX) and the reports (REPORTS_PREFIX). */
  MODEL_BUCKET: z.string().min(1).default(MODEL_BUCKET_NAME),
  /** The recommend function whose LIVE_ALIAS points at the live model. */
  RECOMMEND_FUNCTION_NAME: z.string().min(1).default(RECOMMEND_FUNCTION_NAME),
  LIVE_ALIAS: z.string().min(1).default(LIVE_ALIAS),
  /** Reserved prefix with golden_set.json and seatpos.csv (seeded at bootstrap). */
  GOLDEN_PREFIX: prefix.default('golden/'),
  /** Reports are written to <REPORTS_PREFIX><executionName>.json. */
  REPORTS_PREFIX: prefix.default('reports/'),
  MAX_MODEL_BYTES: z.coerce.number().int().positive().default(DEFAULT_THRESHOLDS.maxModelBytes),
  ACCURACY_RMSE_FACTOR: z.coerce.number().min(1).default(DEFAULT_THRESHOLDS.accuracyRmseFactor),
  MAX_REGRESSION: fraction.default(DEFAULT_THRESHOLDS.maxRegression),
  RANGE_MARGIN: z.coerce.number().min(0).default(DEFAULT_THRESHOLDS.rangeMargin),
  MAX_OUT_OF_RANGE_FRACTION: fraction.default(DEFAULT_THRESHOLDS.maxOutOfRangeFraction),
  LATENCY_BUDGET_US_PER_ROW: positive.default(DEFAULT_THRESHOLDS.latencyBudgetUsPerRow),
  LATENCY_RUNS: z.coerce.number().int().min(1).max(50).default(DEFAULT_THRESHOLDS.latencyRuns),
  SEATPOS_MIN_R: z.coerce.number().min(-1).max(1).default(DEFAULT_THRESHOLDS.seatposMinR),
});

export type ValidateConfig = z.infer<typeof configSchema>;

/** Environment variable names and their defaults, as strings, for the CDK stack and the local cloud. */
export const VALIDATE_ENV_DEFAULTS: Record<keyof ValidateConfig, string> = Object.fromEntries(
  Object.entries(configSchema.parse({})).map(([k, v]) => [k, String(v)]),
) as Record<keyof ValidateConfig, string>;

export function thresholdsFrom(c: ValidateConfig): Thresholds {
  return {
    maxModelBytes: c.MAX_MODEL_BYTES,
    accuracyRmseFactor: c.ACCURACY_RMSE_FACTOR,
    maxRegression: c.MAX_REGRESSION,
    rangeMargin: c.RANGE_MARGIN,
    maxOutOfRangeFraction: c.MAX_OUT_OF_RANGE_FRACTION,
    latencyBudgetUsPerRow: c.LATENCY_BUDGET_US_PER_ROW,
    latencyRuns: c.LATENCY_RUNS,
    seatposMinR: c.SEATPOS_MIN_R,
  };
}

/** Parses the environment; throws a readable error naming the bad variables (fails the cold start). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ValidateConfig {
  const known = Object.fromEntries(
    Object.keys(configSchema.shape)
      .filter((k) => env[k] !== undefined && env[k] !== '')
      .map((k) => [k, env[k]]),
  );
  const result = configSchema.safeParse(known);
  if (!result.success) {
    throw new Error(`invalid validate configuration: ${z.prettifyError(result.error)}`);
  }
  return result.data;
}
