import { z } from 'zod';
import { LIVE_ALIAS, MODEL_BUCKET_NAME, RECOMMEND_FUNCTION_NAME } from '../../../system/manifest.js';
import { strategySchema } from '../shared/state.js';
import type { GateThresholds } from './gate.js';
import type { RolloutDefaults } from './metadata.js';

/**
 * The traffic function's configuration (docs/rollout.md, "Configuration"), read once per
 * environment. Defaults are the AWS ones (canary 10 % for 5 minutes); the local cloud sets short
 * intervals and small sample minimums.
 */
const num = (d: number) => z.coerce.number().finite().default(d);
const int = (d: number) => z.coerce.number().int().nonnegative().default(d);

export const trafficEnvSchema = z.object({
  RECOMMEND_FUNCTION_NAME: z.string().min(1).default(RECOMMEND_FUNCTION_NAME),
  LIVE_ALIAS: z.string().min(1).default(LIVE_ALIAS),
  MODEL_BUCKET: z.string().min(1).default(MODEL_BUCKET_NAME),
  DEFAULT_ROLLOUT: strategySchema.default('canary'),
  DEFAULT_WEIGHT: num(0.1).pipe(z.number().gt(0).lt(1)),
  DEFAULT_INTERVAL_SECONDS: int(300),
  DEFAULT_STEP: num(0.1).pipe(z.number().gt(0).lt(1)),
  MAX_INTERVAL_SECONDS: int(3600),
  GATE_MIN_SAMPLES: int(20),
  GATE_MAX_EXTENSIONS: int(3),
  GATE_ON_INSUFFICIENT: z.enum(['rollback', 'pass']).default('rollback'),
  GATE_MAX_ERROR_RATE: num(0.02).pipe(z.number().min(0).max(1)),
  GATE_MAX_ERROR_RATE_DELTA: num(0.01).pipe(z.number().min(0).max(1)),
  GATE_MAX_P99_MS: num(2000).pipe(z.number().positive()),
  GATE_MAX_P99_RATIO: num(1.5).pipe(z.number().min(1)),
  GATE_P99_SLACK_MS: num(25).pipe(z.number().min(0)),
  /** CloudWatch period of the gate's GetMetricData queries (60 on AWS; 1 allowed locally). */
  GATE_PERIOD_SECONDS: z.coerce.number().int().positive().default(60),
  /**
   * Namespace of the recommend function's own EMF metrics (its POWERTOOLS_METRICS_NAMESPACE):
   * handled errors and degraded answers that Lambda does not count as Errors.
   */
  GATE_APP_NAMESPACE: z.string().min(1).default('Hypermob'),
});

export interface TrafficConfig {
  target: { functionName: string; alias: string };
  bucket: string;
  defaults: RolloutDefaults;
  gate: GateThresholds;
  gatePeriodSeconds: number;
  appNamespace: string;
}

export function parseTrafficConfig(env: NodeJS.ProcessEnv): TrafficConfig {
  const blankless = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  const e = trafficEnvSchema.parse(blankless);
  return {
    target: { functionName: e.RECOMMEND_FUNCTION_NAME, alias: e.LIVE_ALIAS },
    bucket: e.MODEL_BUCKET,
    defaults: {
      rollout: e.DEFAULT_ROLLOUT,
      weight: e.DEFAULT_WEIGHT,
      intervalSeconds: Math.min(e.DEFAULT_INTERVAL_SECONDS, e.MAX_INTERVAL_SECONDS),
      step: e.DEFAULT_STEP,
      maxIntervalSeconds: e.MAX_INTERVAL_SECONDS,
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
    appNamespace: e.GATE_APP_NAMESPACE,
  };
}
