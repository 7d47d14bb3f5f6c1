import { BadRolloutRequestError } from '../shared/errors.js';
import type { Strategy } from '../shared/state.js';

/** More steps than this is a typo (step=0.001), not a plan. */
export const MAX_LINEAR_STEPS = 50;

/** Weights are kept to 6 decimals so 0.1 + 0.2 is 0.3 in the alias and the lineage. */
export function roundWeight(w: number): number {
  return Math.round(w * 1e6) / 1e6;
}

/**
 * The candidate weights applied before the final 100 % (each followed by a bake and a gate):
 * all-at-once none; canary and ab [w]; linear w, w+s, w+2s, … while below 1.
 */
export function weightSchedule(strategy: Strategy, weight: number, step: number): number[] {
  switch (strategy) {
    case 'all-at-once':
      return [];
    case 'canary':
    case 'ab':
      return [roundWeight(weight)];
    case 'linear': {
      const weights: number[] = [];
      for (let w = roundWeight(weight); w < 1; w = roundWeight(w + step)) {
        weights.push(w);
        if (weights.length > MAX_LINEAR_STEPS) {
          throw new BadRolloutRequestError(
            `linear rollout from ${weight} by ${step} needs more than ${MAX_LINEAR_STEPS} steps; use a larger step`,
          );
        }
      }
      return weights;
    }
  }
}
