import { z } from 'zod';

/**
 * What a rollout strategy is: a name, the upload-metadata parameters it reads (zod over the S3
 * metadata strings, defaults from the deployment), and a pure function from those parameters to
 * the traffic plan. The state machine and the traffic steps read only the plan, never the name
 * (docs/rollout.md, "Strategies").
 */

/** The deployment's defaults a strategy fills missing parameters from (traffic function env). */
export interface ParameterDefaults {
  weight: number;
  intervalSeconds: number;
  step: number;
  maxIntervalSeconds: number;
}

/** Parameters as parsed from the metadata, kept in the plan and the lineage record. */
export const strategyParametersSchema = z.record(
  z.string(),
  z.union([z.number(), z.string(), z.array(z.number())]),
);
export type StrategyParameters = z.infer<typeof strategyParametersSchema>;

/**
 * An experiment decided on evidence (A/B with decide=auto, docs/experiments.md): after the last
 * weight, look every `intervalSeconds` at the outcomes and the health gate, and promote, abort or
 * look again; after `looks` looks or `deadlineSeconds`, abort as inconclusive.
 */
export const experimentPlanSchema = z.object({
  /** Relative non-inferiority margin on the normalised error (0.02: 2 % worse is still fine). */
  margin: z.number().gt(0).lt(1),
  intervalSeconds: z.number().int().positive(),
  deadlineSeconds: z.number().int().positive(),
  /** K = ceil(deadline / interval): the most looks, which the sequential correction divides alpha by. */
  looks: z.number().int().positive(),
  /** Feedbacks each arm needs before a verdict. */
  minFeedback: z.number().int().min(2),
  /** One-sided error rate of each decision (promote, abort) over the whole experiment. */
  alpha: z.number().gt(0).lt(0.5),
});
export type ExperimentPlan = z.infer<typeof experimentPlanSchema>;

export const trafficPlanSchema = z.object({
  /** Candidate weights applied one after another before 100 %; empty: straight to 100 %. */
  schedule: z.array(z.number().gt(0).lt(1)),
  /** Seconds each weight bakes before its health gate decides (pass, extend or roll back). */
  intervalSeconds: z.number().int().nonnegative(),
  /**
   * The last weight is held instead of baked and gated: the execution ends with the candidate at
   * that weight, and a promote or abort command decides (A/B).
   */
  hold: z.boolean(),
  /** With `hold`: the held weight is an experiment the state machine decides itself. */
  experiment: experimentPlanSchema.optional(),
});
export type TrafficPlan = z.infer<typeof trafficPlanSchema>;

export interface RolloutStrategy<
  N extends string = string,
  P extends StrategyParameters = StrategyParameters,
> {
  name: N;
  /** Parses the upload's metadata (keys lower-cased); keys the strategy does not take are ignored. */
  parameters(defaults: ParameterDefaults): z.ZodType<P>;
  plan(parameters: P): TrafficPlan;
}

/** Keeps each strategy's name literal and its parameter type tied to its plan function. */
export function defineStrategy<const N extends string, P extends StrategyParameters>(
  strategy: RolloutStrategy<N, P>,
): RolloutStrategy<N, P> {
  return strategy;
}
