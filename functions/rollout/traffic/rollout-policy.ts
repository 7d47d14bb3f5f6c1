import { BadRolloutRequestError } from '../shared/errors.js';
import type { StrategyName } from '../strategies/index.js';
import type { RolloutRequest } from './metadata.js';

/**
 * What a deployment lets an upload ask for (system/settings.ts: ALLOWED_STRATEGIES, MIN_BAKE_SECONDS,
 * MAX_FIRST_WEIGHT, MAX_AB_DURATION_SECONDS). The uploader names the strategy and its parameters in
 * the object's metadata; without these bounds whoever may upload could skip every health gate
 * (`rollout=all-at-once`), bake for no time, or send most traffic to an unjudged model at once.
 * Pure: the Plan step refuses a request that breaks one, before anything changes.
 */
export interface RolloutPolicy {
  allowedStrategies: readonly StrategyName[];
  minBakeSeconds: number;
  maxFirstWeight: number;
  maxAbDurationSeconds: number;
}

export function policyViolations(request: RolloutRequest, policy: RolloutPolicy): string[] {
  const problems: string[] = [];
  if (!policy.allowedStrategies.includes(request.strategy)) {
    problems.push(
      `rollout=${request.strategy} is not allowed on this deployment (ALLOWED_STRATEGIES: ${policy.allowedStrategies.join(', ')})`,
    );
  }
  const first = request.schedule[0];
  if (first !== undefined && first > policy.maxFirstWeight) {
    problems.push(`first weight ${first} is above MAX_FIRST_WEIGHT ${policy.maxFirstWeight}`);
  }
  if (request.schedule.length > 0 && request.intervalSeconds < policy.minBakeSeconds) {
    problems.push(
      `interval ${request.intervalSeconds} s is below MIN_BAKE_SECONDS ${policy.minBakeSeconds} s`,
    );
  }
  const deadline = request.experiment?.deadlineSeconds;
  if (deadline !== undefined && deadline > policy.maxAbDurationSeconds) {
    problems.push(
      `A/B deadline ${deadline} s is above MAX_AB_DURATION_SECONDS ${policy.maxAbDurationSeconds} s`,
    );
  }
  return problems;
}

export function assertAllowed(request: RolloutRequest, policy: RolloutPolicy): void {
  const problems = policyViolations(request, policy);
  if (problems.length > 0) {
    throw new BadRolloutRequestError(`rollout refused by this deployment's limits: ${problems.join('; ')}`);
  }
}
