/**
 * Trains the seat-fit model on a template dataset and returns it both as ONNX bytes (meeting
 * docs/model-contract.md) and as an in-memory predictor computing the same function in float64.
 * Cheap on purpose (a few ms for ~4000 rows): the recommend function calls it on a cold start when
 * the published model cannot be loaded.
 */
import { createHash } from 'node:crypto';
import { FEATURES, METADATA_KEYS, TARGETS } from '../contract.js';
import { type Dataset, toMatrices } from '../dataset.js';
import { type Expansion, expandRow, quantiles } from './features.js';
import { writeLinearModel } from './onnx-writer.js';
import { fitRidge, type LinearFit, predictLinear } from './ridge.js';

/**
 * - ridge: linear in the six inputs;
 * - ridge+height2: plus a centred stature²;
 * - ridge+height-spline: plus hinge terms on stature at its quintile-ish knots (piecewise linear).
 * The default was chosen by 5-fold cross-validation on the template (docs/model-contract.md).
 */
export const MODEL_KINDS = ['ridge', 'ridge+height2', 'ridge+height-spline'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];
export const DEFAULT_KIND: ModelKind = 'ridge+height-spline';

/** Stature quantiles where the spline may bend; the tails beyond them stay linear. */
export const SPLINE_KNOT_QUANTILES = [0.1, 0.5, 0.9];

/**
 * Penalty on the standardised normal equations, per row: λ = 1e-3·n. It only stabilises the solve
 * (segments are highly collinear with stature); at this size shrinkage is negligible and the CV
 * error is flat for 1e-4…1e-2 per row.
 */
export const LAMBDA_PER_ROW = 1e-3;

export interface TrainedModel {
  /** e.g. "ridge" or "ridge+height-spline" — what was fitted. */
  kind: string;
  /** A complete ONNX model meeting docs/model-contract.md, with metadata_props. */
  onnx: Uint8Array;
  /** In-memory predictions, rows in FEATURES order in, rows in TARGETS order out. */
  predict(x: number[][]): number[][];
  metadata: Record<string, string>;
  /** The fitted parameters (tests and fixtures rewrite the same model in other layouts). */
  params: { fit: LinearFit; expansion?: Expansion; inputWidth: number };
}

export interface TrainOptions {
  modelName?: string;
  /** ISO timestamp written as trained_at (default: now). */
  trainedAt?: string;
  /**
   * sha256 of the training file's bytes (the CLI passes it). Default: sha256 of the training matrices
   * as little-endian float64 in FEATURES then TARGETS order, row by row — hashing the JSON again
   * would cost ~20 ms of a cold start.
   */
  trainingDataSha256?: string;
  kind?: ModelKind;
  lambdaPerRow?: number;
}

export class InvalidTrainingDataError extends Error {
  override name = 'InvalidTrainingData';
}

export function trainModel(dataset: Dataset, opts: TrainOptions = {}): TrainedModel {
  for (const name of FEATURES) {
    if (!dataset.features.includes(name))
      throw new InvalidTrainingDataError(`dataset has no feature "${name}"`);
  }
  for (const name of TARGETS) {
    if (!dataset.targets.includes(name))
      throw new InvalidTrainingDataError(`dataset has no target "${name}"`);
  }
  const { x, y } = toMatrices(dataset);
  if (x.length < 2 * (FEATURES.length + SPLINE_KNOT_QUANTILES.length + 2)) {
    throw new InvalidTrainingDataError(`dataset has only ${x.length} records`);
  }
  const kind = opts.kind ?? DEFAULT_KIND;
  const params = fitKind(x, y, kind, opts.lambdaPerRow ?? LAMBDA_PER_ROW);
  const predict = (rows: number[][]) =>
    rows.map((r) => predictLinear(params.fit, expandRow(r, params.expansion)));

  const metadata: Record<string, string> = {
    [METADATA_KEYS.features]: JSON.stringify(FEATURES),
    [METADATA_KEYS.targets]: JSON.stringify(TARGETS),
    [METADATA_KEYS.modelName]: opts.modelName ?? `seat-fit-${kind}`,
    [METADATA_KEYS.trainedAt]: opts.trainedAt ?? new Date().toISOString(),
    [METADATA_KEYS.trainingDataSha256]: opts.trainingDataSha256 ?? matricesSha256(x, y),
    [METADATA_KEYS.referenceVehicle]: JSON.stringify(dataset.reference_vehicle),
    model_kind: kind,
  };
  return { kind, onnx: writeLinearModel(params, { metadata }), predict, metadata, params };
}

function matricesSha256(x: number[][], y: number[][]): string {
  const width = FEATURES.length + TARGETS.length;
  const buf = new Float64Array(x.length * width);
  x.forEach((row, i) => {
    buf.set(row, i * width);
    buf.set(y[i] as number[], i * width + row.length);
  });
  return createHash('sha256').update(new Uint8Array(buf.buffer)).digest('hex');
}

/** Fits one model kind on matrices in FEATURES/TARGETS order (also used by cross-validation). */
export function fitKind(x: number[][], y: number[][], kind: ModelKind, lambdaPerRow = LAMBDA_PER_ROW) {
  const expansion = expansionFor(kind, x);
  const design = expansion ? x.map((r) => expandRow(r, expansion)) : x;
  return { fit: fitRidge(design, y, lambdaPerRow * x.length), expansion, inputWidth: FEATURES.length };
}

function expansionFor(kind: ModelKind, x: number[][]): Expansion | undefined {
  const height = x.map((r) => r[0] as number);
  if (kind === 'ridge+height2') {
    return { feature: 0, hinges: [], square: { center: height.reduce((a, b) => a + b, 0) / height.length } };
  }
  if (kind === 'ridge+height-spline') {
    // Knots rounded to 0.1 cm so they read well in the model and do not depend on float noise.
    const hinges = quantiles(height, SPLINE_KNOT_QUANTILES).map((q) => ({
      knot: Math.round(q * 10) / 10,
      direction: 1 as const,
    }));
    return { feature: 0, hinges };
  }
  return undefined;
}
