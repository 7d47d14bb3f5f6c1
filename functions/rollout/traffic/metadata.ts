import { z } from 'zod';
import { BadRolloutRequestError } from '../shared/errors.js';
import { STRATEGY_NAMES, type StrategyName, strategyNamed } from '../strategies/index.js';
import type { ParameterDefaults, StrategyParameters, TrafficPlan } from '../strategies/strategy.js';

/**
 * An upload's rollout request, from S3 user metadata (`--metadata rollout=canary,weight=0.1,…`):
 * `rollout` names the strategy (functions/rollout/strategies/), every other key is one of that
 * strategy's parameters. Missing parameters take the stack's defaults; anything present but
 * invalid rejects the rollout before anything changes.
 */

export interface RolloutDefaults extends ParameterDefaults {
  rollout: StrategyName;
}

export interface RolloutRequest extends TrafficPlan {
  strategy: StrategyName;
  parameters: StrategyParameters;
}

const rolloutSchema = z.object({
  rollout: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(STRATEGY_NAMES, { error: `rollout must be one of ${STRATEGY_NAMES.join(', ')}` }))
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
  const strategy = strategyNamed(parse(rolloutSchema, lower, '').rollout ?? defaults.rollout);
  const parameters = parse(strategy.parameters(defaults), lower, ` for ${strategy.name}`);
  return { strategy: strategy.name, parameters, ...strategy.plan(parameters) };
}

function parse<T>(schema: z.ZodType<T>, metadata: Record<string, string>, what: string): T {
  const parsed = schema.safeParse(metadata);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'metadata'}: ${i.message}`);
  throw new BadRolloutRequestError(`invalid rollout metadata${what}: ${problems.join('; ')}`);
}
