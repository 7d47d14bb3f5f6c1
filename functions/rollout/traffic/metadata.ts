import { z } from 'zod';
import { BadRolloutRequestError } from '../shared/errors.js';
import { STRATEGIES, type Strategy } from '../shared/state.js';
import { weightSchedule } from './schedule.js';

/**
 * An upload's rollout request, from S3 user metadata (`--metadata rollout=canary,weight=0.1,…`):
 * `rollout` (all-at-once | canary | linear | ab), `weight` (0 < w < 1), `interval` (whole seconds
 * to bake between steps), `step` (linear increment, 0 < s < 1). Missing keys take the stack's
 * defaults; anything present but invalid rejects the rollout before anything changes.
 */

export interface RolloutDefaults {
  rollout: Strategy;
  weight: number;
  intervalSeconds: number;
  step: number;
  maxIntervalSeconds: number;
}

export interface RolloutRequest {
  strategy: Strategy;
  weight: number;
  intervalSeconds: number;
  step: number;
  schedule: number[];
}

const decimal = /^(?:\d+(?:\.\d*)?|\.\d+)$/;
const fraction = (what: string) =>
  z
    .string()
    .trim()
    .regex(decimal, `${what} must be a decimal fraction such as 0.1`)
    .transform(Number)
    .pipe(z.number().gt(0, `${what} must be > 0`).lt(1, `${what} must be < 1 (0.1 means 10 %)`));

const metadataSchema = (maxInterval: number) =>
  z.object({
    rollout: z
      .string()
      .trim()
      .toLowerCase()
      .pipe(z.enum(STRATEGIES, { error: `rollout must be one of ${STRATEGIES.join(', ')}` }))
      .optional(),
    weight: fraction('weight').optional(),
    step: fraction('step').optional(),
    interval: z
      .string()
      .trim()
      .regex(/^\d+$/, 'interval must be whole seconds, e.g. 300')
      .transform(Number)
      .pipe(z.number().int().max(maxInterval, `interval must be ≤ ${maxInterval} seconds`))
      .optional(),
  });

/** S3 returns user metadata keys lower-cased without `x-amz-meta-`; other keys are ignored. */
export function parseRolloutMetadata(
  metadata: Record<string, string | undefined>,
  defaults: RolloutDefaults,
): RolloutRequest {
  const lower = Object.fromEntries(
    Object.entries(metadata).flatMap(([k, v]) => (v === undefined ? [] : [[k.toLowerCase(), v]])),
  );
  const parsed = metadataSchema(defaults.maxIntervalSeconds).safeParse(lower);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'metadata'}: ${i.message}`);
    throw new BadRolloutRequestError(`invalid rollout metadata: ${problems.join('; ')}`);
  }
  const m = parsed.data;
  const strategy = m.rollout ?? defaults.rollout;
  // Linear: `step` alone also sets the first weight, `weight` alone also sets the step.
  const step = strategy === 'linear' ? (m.step ?? m.weight ?? defaults.step) : (m.step ?? defaults.step);
  const weight = strategy === 'linear' ? (m.weight ?? step) : (m.weight ?? defaults.weight);
  const intervalSeconds = m.interval ?? defaults.intervalSeconds;
  return { strategy, weight, intervalSeconds, step, schedule: weightSchedule(strategy, weight, step) };
}
