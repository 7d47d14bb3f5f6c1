import { z } from 'zod';
import { LIVE_ALIAS, METRICS, MODEL_BUCKET_NAME, RECOMMEND_FUNCTION_NAME } from '../../../system/manifest.js';
import { InvalidSettingsError, parseSettings } from '../../../system/settings.js';
import type { GateThresholds } from './gate.js';
import type { RolloutDefaults } from './metadata.js';
import type { RolloutPolicy } from './rollout-policy.js';

/**
 * The traffic function's configuration, read once per environment: the wiring (names from the
 * manifest, overridable for tests) and the tunable settings of system/settings.ts (docs/rollout.md,
 * "Configuration"). Defaults are the AWS ones; the local cloud's environment carries its own.
 */
export const trafficWiringSchema = z.object({
  RECOMMEND_FUNCTION_NAME: z.string().min(1).default(RECOMMEND_FUNCTION_NAME),
  LIVE_ALIAS: z.string().min(1).default(LIVE_ALIAS),
  MODEL_BUCKET: z.string().min(1).default(MODEL_BUCKET_NAME),
  /**
   * Namespace of the recommend function's own EMF metrics (its POWERTOOLS_METRICS_NAMESPACE):
   * handled errors and degraded answers that Lambda does not count as Errors.
   */
  GATE_APP_NAMESPACE: z.string().min(1).default(METRICS.namespace),
});

export interface TrafficConfig {
  target: { functionName: string; alias: string };
  bucket: string;
  defaults: RolloutDefaults;
  /** What an upload may ask for (rollout-policy.ts). */
  policy: RolloutPolicy;
  gate: GateThresholds;
  gatePeriodSeconds: number;
  /** How late metrics arrive: gates read up to now minus this, and bakes last at least this long. */
  metricDelaySeconds: number;
  appNamespace: string;
}

export function parseTrafficConfig(env: NodeJS.ProcessEnv): TrafficConfig {
  const blankless = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  const w = trafficWiringSchema.parse(blankless);
  const e = parseSettings('traffic', env);
  if (!e.ALLOWED_STRATEGIES.includes(e.DEFAULT_ROLLOUT)) {
    // Else every upload without `rollout` metadata would be refused.
    throw new InvalidSettingsError(
      `invalid traffic configuration: DEFAULT_ROLLOUT ${e.DEFAULT_ROLLOUT} is not in ALLOWED_STRATEGIES (${e.ALLOWED_STRATEGIES.join(', ')})`,
    );
  }
  return {
    target: { functionName: w.RECOMMEND_FUNCTION_NAME, alias: w.LIVE_ALIAS },
    bucket: w.MODEL_BUCKET,
    defaults: {
      rollout: e.DEFAULT_ROLLOUT,
      weight: e.DEFAULT_WEIGHT,
      intervalSeconds: Math.min(e.DEFAULT_INTERVAL_SECONDS, e.MAX_INTERVAL_SECONDS),
      step: e.DEFAULT_STEP,
      maxIntervalSeconds: e.MAX_INTERVAL_SECONDS,
    },
    policy: {
      allowedStrategies: e.ALLOWED_STRATEGIES,
      minBakeSeconds: e.MIN_BAKE_SECONDS,
      maxFirstWeight: e.MAX_FIRST_WEIGHT,
      maxAbDurationSeconds: e.MAX_AB_DURATION_SECONDS,
    },
    gate: {
      minSamples: e.GATE_MIN_SAMPLES,
      maxExtensions: e.GATE_MAX_EXTENSIONS,
      onInsufficient: e.GATE_ON_INSUFFICIENT,
      maxErrorRate: e.GATE_MAX_ERROR_RATE,
      maxErrorRateDelta: e.GATE_MAX_ERROR_RATE_DELTA,
      maxP99Ms: e.GATE_MAX_P99_MS,
      maxP99Ratio: e.GATE_MAX_P99_RATIO,
      p99SlackMs: e.GATE_P99_SLACK_MS,
    },
    gatePeriodSeconds: e.GATE_PERIOD_SECONDS,
    metricDelaySeconds: e.GATE_METRIC_DELAY_SECONDS,
    appNamespace: w.GATE_APP_NAMESPACE,
  };
}
