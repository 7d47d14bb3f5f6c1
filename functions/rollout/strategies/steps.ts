import { z } from 'zod';
import { MAX_LINEAR_STEPS } from './linear.js';
import { interval, roundWeight } from './parameters.js';
import { defineStrategy } from './strategy.js';

const percentages = /^\d+(?:\.\d+)?(?::\d+(?:\.\d+)?)*$/;

/**
 * `weights`: an explicit list of percentages, colon-separated because the AWS CLI's
 * `--metadata a=b,c=d` shorthand splits on commas, e.g. `5:25:50`. No deployment default: the list
 * is the plan.
 */
const weights = z
  .string({ error: 'weights is required: percentages such as 5:25:50' })
  .trim()
  .regex(percentages, 'weights must be percentages separated by colons, e.g. 5:25:50')
  .transform((s) => s.split(':').map(Number))
  .check((ctx) => {
    const list = ctx.value;
    const problem = (message: string) => ctx.issues.push({ code: 'custom', message, input: list });
    const outside = list.find((p) => !(p > 0 && p < 100));
    if (outside !== undefined) problem(`${outside} is not a percentage 0 < p < 100 (the finish makes 100 %)`);
    const fractions = list.map((p) => roundWeight(p / 100));
    const i = fractions.findIndex((f, k) => k > 0 && f <= (fractions[k - 1] ?? 0));
    if (i > 0) problem(`weights must be strictly increasing: ${list[i]} after ${list[i - 1]}`);
    if (list.length > MAX_LINEAR_STEPS)
      problem(`weights lists ${list.length} steps; at most ${MAX_LINEAR_STEPS}`);
  });

/** The listed weights, each baked and gated, then 100 %. */
export const steps = defineStrategy({
  name: 'steps',
  parameters: (d) => z.object({ weights, interval: interval(d) }),
  plan: (p) => ({
    schedule: p.weights.map((w) => roundWeight(w / 100)),
    intervalSeconds: p.interval,
    hold: false,
  }),
});
