import { z } from 'zod';
import { fraction, interval, roundWeight } from './parameters.js';
import { defineStrategy } from './strategy.js';

/**
 * An A/B experiment: one weight, held (no bake, no gate). `decide=manual` (default) ends the
 * execution with the weight held until a promote or abort command; `decide=auto` keeps the
 * execution looking at the outcomes every `interval` seconds until the evidence decides or the
 * `deadline` passes (docs/experiments.md).
 */

/** The candidate may be this much worse (relative normalised error) and still be promoted. */
export const DEFAULT_MARGIN = 0.02;
/** Feedbacks per arm before any verdict: Welch's t leans on the central limit theorem. */
export const DEFAULT_MIN_FEEDBACK = 100;
/** Without `deadline`, an experiment makes this many looks. */
export const DEFAULT_LOOKS = 24;
/** Bonferroni divides alpha by K: beyond this many looks each one could hardly decide anything. */
export const MAX_LOOKS = 100;
/** One-sided error rate of each automatic decision over the whole experiment. */
export const EXPERIMENT_ALPHA = 0.05;

const seconds = (key: string) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, `${key} must be whole seconds, e.g. 3600`)
    .transform(Number)
    .pipe(z.number().int().positive(`${key} must be > 0`));

export const ab = defineStrategy({
  name: 'ab',
  parameters: (d) =>
    z
      .object({
        weight: fraction('weight').default(d.weight),
        decide: z
          .string()
          .trim()
          .toLowerCase()
          .pipe(z.enum(['manual', 'auto'], { error: 'decide must be manual or auto' }))
          .default('manual'),
        margin: fraction('margin').default(DEFAULT_MARGIN),
        interval: interval(d),
        deadline: seconds('deadline').optional(),
        min_feedback: z
          .string()
          .trim()
          .regex(/^\d+$/, 'min_feedback must be a whole number')
          .transform(Number)
          .pipe(z.number().int().min(2, 'min_feedback must be ≥ 2 (a variance needs two values)'))
          .default(DEFAULT_MIN_FEEDBACK),
      })
      .transform((p) => ({ ...p, deadline: p.deadline ?? p.interval * DEFAULT_LOOKS }))
      .check((ctx) => {
        const p = ctx.value;
        if (p.decide !== 'auto') return;
        const problem = (path: string, message: string) =>
          ctx.issues.push({ code: 'custom', path: [path], message, input: p });
        if (p.interval < 1) problem('interval', 'decide=auto needs interval ≥ 1 s between looks');
        else if (p.deadline < p.interval)
          problem('deadline', `deadline ${p.deadline} s is shorter than one interval`);
        else if (Math.ceil(p.deadline / p.interval) > MAX_LOOKS)
          problem(
            'deadline',
            `deadline ${p.deadline} s at interval ${p.interval} s makes ${Math.ceil(p.deadline / p.interval)} looks; at most ${MAX_LOOKS} (use a longer interval)`,
          );
      }),
  plan: (p) => ({
    schedule: [roundWeight(p.weight)],
    intervalSeconds: 0,
    hold: true,
    ...(p.decide === 'auto'
      ? {
          experiment: {
            margin: p.margin,
            intervalSeconds: p.interval,
            deadlineSeconds: p.deadline,
            looks: Math.ceil(p.deadline / p.interval),
            minFeedback: p.min_feedback,
            alpha: EXPERIMENT_ALPHA,
          },
        }
      : {}),
  }),
});
