import { z } from 'zod';
import { LOOK_DECISIONS } from '../experiment/look-decision.js';
import { STRATEGY_NAMES } from '../strategies/index.js';
import { strategyParametersSchema, trafficPlanSchema } from '../strategies/strategy.js';

/**
 * The state-machine data the rollout functions exchange (docs/rollout.md, "State data"). Every
 * task gets `{ action, state: $, execution }` and parses only what it needs, so adding a field in
 * one step never breaks another.
 */

/** The strategies' names, as registered in functions/rollout/strategies/index.ts (DEFAULT_ROLLOUT's values too). */
export { STRATEGY_NAMES as STRATEGIES } from '../strategies/index.js';
export const strategySchema = z.enum(STRATEGY_NAMES);

/** From the context object: `$$.Execution.Name/Id/StartTime`, `$$.StateMachine.Id`. */
export const executionContextSchema = z.object({
  name: z.string().min(1),
  arn: z.string().min(1),
  startTime: z.string().optional(),
  stateMachineArn: z.string().optional(),
});
export type ExecutionContext = z.infer<typeof executionContextSchema>;

/** An uploaded model object, as the S3 event names it. */
export const modelRefSchema = z.object({
  bucket: z.string().min(1),
  key: z.string().min(1),
  /** Size from the S3 event; informational (the object's ContentLength is what is judged). */
  size: z.number().int().nonnegative().optional(),
  etag: z.string().optional(),
  /** Set on a versioned bucket: exactly this version is read and pinned. */
  versionId: z.string().optional(),
});
export type ModelRef = z.infer<typeof modelRefSchema>;

export const planSchema = z.object({
  executionName: z.string(),
  executionArn: z.string(),
  stateMachineArn: z.string(),
  /** epoch ms — the supersede ordering key */
  started: z.number().int().nonnegative(),
  lineageKey: z.string(),
  model: modelRefSchema,
  /** Which strategy made the plan and from which parameters: for people and the lineage only. */
  strategy: strategySchema,
  parameters: strategyParametersSchema,
  /** What the state machine and the traffic steps follow. */
  ...trafficPlanSchema.shape,
  /** Exactly the validate function's input (InputPath `$.plan.validateInput`). */
  validateInput: modelRefSchema.extend({ executionName: z.string() }),
});
export type Plan = z.infer<typeof planSchema>;

/** The validate function's answer (helper F1); only these fields are relied on. */
export const validationSchema = z.looseObject({
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().nonnegative(),
  reportKey: z.string().optional(),
  passed: z.boolean().optional(),
});
export type Validation = z.infer<typeof validationSchema>;

export const releaseSchema = z.object({
  version: z.string().regex(/^\d+$/),
  sha256: z.string(),
  size: z.number().int().nonnegative(),
  pinnedKey: z.string(),
  pinnedVersionId: z.string().optional(),
  reused: z.boolean(),
  unchanged: z.boolean(),
});
export type Release = z.infer<typeof releaseSchema>;

export const supersedeSchema = z.object({
  /** The version serving before this rollout moved anything: where a rollback returns. */
  previousVersion: z.string(),
  stopped: z.array(z.string()),
  /** The alias did not exist and was created on the candidate (first rollout). */
  created: z.boolean(),
  cleared: z.object({ version: z.string(), weight: z.number(), owner: z.string().optional() }).optional(),
});
export type Supersede = z.infer<typeof supersedeSchema>;

export const gateDecisionSchema = z.enum(['pass', 'extend', 'rollback']);
/** What an experiment's Look step decided (experiment/look-decision.ts). */
export const lookDecisionSchema = z.enum(LOOK_DECISIONS);

export const progressSchema = z.object({
  nextStep: z.number().int().nonnegative(),
  step: z.number().int().nonnegative().optional(),
  weight: z.number().optional(),
  shiftedAt: z.string().optional(),
  waitSeconds: z.number().int().nonnegative().optional(),
  extensions: z.number().int().nonnegative().optional(),
  last: z.boolean().optional(),
  finished: z.boolean().optional(),
  /** The Gate's decision after a bake, or the Look's in an experiment. */
  decision: z.union([gateDecisionSchema, lookDecisionSchema]).optional(),
  /** Looks an experiment has made so far. */
  looks: z.number().int().nonnegative().optional(),
  reasons: z.array(z.string()).optional(),
  evidence: z.unknown().optional(),
});
export type Progress = z.infer<typeof progressSchema>;

/** A Catch's ResultPath payload. */
export const errorInfoSchema = z.object({ Error: z.string(), Cause: z.string().optional() });
export type ErrorInfo = z.infer<typeof errorInfoSchema>;

export const commandSchema = z.object({
  command: z.enum(['promote', 'abort', 'rollback']),
  version: z
    .union([z.string(), z.number()])
    .transform(String)
    .pipe(z.string().regex(/^\d+$/, 'version must be a published version number'))
    .optional(),
});
export type Command = z.infer<typeof commandSchema>;
