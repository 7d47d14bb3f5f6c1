/**
 * The model kinds the trainer (trainer.ts) fits, in a module of their own so a command line can list
 * them without loading the trainer:
 * - ridge: linear in the six inputs;
 * - ridge+height2: plus a centred stature²;
 * - ridge+height-spline: plus hinge terms on stature at its quintile-ish knots (piecewise linear).
 * The default was chosen by 5-fold cross-validation on the template (docs/model-contract.md).
 */
export const MODEL_KINDS = ['ridge', 'ridge+height2', 'ridge+height-spline'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];
export const DEFAULT_KIND: ModelKind = 'ridge+height-spline';
