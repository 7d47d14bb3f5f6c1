import { z } from 'zod';
import {
  BUCKET_PREFIXES,
  LIVE_ALIAS,
  MODEL_BUCKET_NAME,
  RECOMMEND_FUNCTION_NAME,
} from '../../../system/manifest.js';
import { parseSettings, type SettingsOf } from '../../../system/settings.js';
import type { Thresholds } from './thresholds.js';

/**
 * The validation function's configuration, read once per environment: the wiring (names from the
 * manifest, overridable for tests) and the thresholds of system/settings.ts, whose defaults are the
 * production values (docs/validation.md says why). The golden data and the reports live under the
 * manifest's fixed prefixes, which the bucket's IAM statements and the state machine also name.
 */
export const wiringSchema = z.object({
  /** Bucket holding models, the golden data and the reports. */
  MODEL_BUCKET: z.string().min(1).default(MODEL_BUCKET_NAME),
  /** The recommend function whose LIVE_ALIAS points at the live model. */
  RECOMMEND_FUNCTION_NAME: z.string().min(1).default(RECOMMEND_FUNCTION_NAME),
  LIVE_ALIAS: z.string().min(1).default(LIVE_ALIAS),
});

export type ValidateConfig = z.infer<typeof wiringSchema> &
  SettingsOf<'validate'> & { GOLDEN_PREFIX: string; REPORTS_PREFIX: string };

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
    loadTimeLimitMs: c.LOAD_TIME_LIMIT_MS,
    checkTimeLimitMs: c.CHECK_TIME_LIMIT_MS,
  };
}

/** Parses the environment; throws a readable error naming the bad variables (fails the cold start). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ValidateConfig {
  const wiring = wiringSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!wiring.success) throw new Error(`invalid validate configuration: ${z.prettifyError(wiring.error)}`);
  return {
    ...wiring.data,
    ...parseSettings('validate', env),
    GOLDEN_PREFIX: BUCKET_PREFIXES.golden,
    REPORTS_PREFIX: BUCKET_PREFIXES.reports,
  };
}
