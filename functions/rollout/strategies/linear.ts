import { z } from 'zod';
import { fraction, interval, roundWeight } from './parameters.js';
import { defineStrategy } from './strategy.js';

/** More steps than this is a typo (step=0.001), not a plan; `steps` takes the same limit. */
export const MAX_LINEAR_STEPS = 50;

/** w, w+s, w+2s, … while below 1 (stops counting once past the limit). */
function linearWeights(weight: number, step: number): number[] {
  const weights: number[] = [];
  for (let w = roundWeight(weight); w < 1 && weights.length <= MAX_LINEAR_STEPS; w = roundWeight(w + step)) {
    weights.push(w);
  }
  return weights;
}

/**
 * Equal increments, each baked and gated, then 100 %. `step` alone also sets the first weight,
 * `weight` alone also sets the step.
 */
export const linear = defineStrategy({
  name: 'linear',
  parameters: (d) =>
    z
      .object({
        weight: fraction('weight').optional(),
        step: fraction('step').optional(),
        interval: interval(d),
      })
      .transform((p) => {
        const step = p.step ?? p.weight ?? d.step;
        return { weight: p.weight ?? step, step, interval: p.interval };
      })
      .refine((p) => linearWeights(p.weight, p.step).length <= MAX_LINEAR_STEPS, {
        path: ['step'],
        error: (issue) => {
          const p = issue.input as { weight: number; step: number };
          return `linear rollout from ${p.weight} by ${p.step} needs more than ${MAX_LINEAR_STEPS} steps; use a larger step`;
        },
      }),
  plan: (p) => ({ schedule: linearWeights(p.weight, p.step), intervalSeconds: p.interval, hold: false }),
});
