/**
 * Trains the seat-fit model on a template dataset and returns it both as ONNX bytes (meeting
 * docs/model-contract.md) and as an in-memory predictor computing the same function in float64.
 * Cheap on purpose (a few ms for ~4000 rows): the recommend function calls it on a cold start when
 * the published model cannot be loaded.
 */
import { createHash } from 'node:crypto';
import { FEATURES, METADATA_KEYS, TARGETS } from '../contract.js';
import type { Dataset } from '../dataset.js';
import { type Expansion, expandFlat, expandRow, quantiles } from './features.js';
import { DEFAULT_KIND, type ModelKind } from './kinds.js';
import { writeLinearModel } from './onnx-writer.js';
import { type FlatMatrix, fitRidgeFlat, type LinearFit, predictLinear, toFlat } from './ridge.js';

export { DEFAULT_KIND, MODEL_KINDS, type ModelKind } from './kinds.js';

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
  const { x, y } = flatMatrices(dataset);
  if (x.rows < 2 * (FEATURES.length + SPLINE_KNOT_QUANTILES.length + 2)) {
    throw new InvalidTrainingDataError(`dataset has only ${x.rows} records`);
  }
  const kind = opts.kind ?? DEFAULT_KIND;
  const params = fitFlat(x, y, kind, opts.lambdaPerRow ?? LAMBDA_PER_ROW);
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

/** Records as flat float64 matrices in FEATURES / TARGETS order. */
function flatMatrices(d: Dataset): { x: FlatMatrix; y: FlatMatrix } {
  const n = d.records.length;
  const x = new Float64Array(n * FEATURES.length);
  const y = new Float64Array(n * TARGETS.length);
  d.records.forEach((r, i) => {
    FEATURES.forEach((f, j) => {
      x[i * FEATURES.length + j] = r[f] as number;
    });
    TARGETS.forEach((t, k) => {
      y[i * TARGETS.length + k] = r[t] as number;
    });
  });
  return { x: { data: x, rows: n, cols: FEATURES.length }, y: { data: y, rows: n, cols: TARGETS.length } };
}

/** Both matrices' float64 bytes (host order, little-endian on Lambda's x86_64/arm64): features, then targets. */
function matricesSha256(x: FlatMatrix, y: FlatMatrix): string {
  return createHash('sha256')
    .update(new Uint8Array(x.data.buffer, x.data.byteOffset, x.data.byteLength))
    .update(new Uint8Array(y.data.buffer, y.data.byteOffset, y.data.byteLength))
    .digest('hex');
}

/** Fits one model kind on matrices in FEATURES/TARGETS order (also used by cross-validation). */
export function fitKind(x: number[][], y: number[][], kind: ModelKind, lambdaPerRow = LAMBDA_PER_ROW) {
  return fitFlat(toFlat(x), toFlat(y), kind, lambdaPerRow);
}

function fitFlat(x: FlatMatrix, y: FlatMatrix, kind: ModelKind, lambdaPerRow: number) {
  const expansion = expansionFor(kind, x);
  return {
    fit: fitRidgeFlat(expandFlat(x, expansion), y, lambdaPerRow * x.rows),
    expansion,
    inputWidth: FEATURES.length,
  };
}

function expansionFor(kind: ModelKind, x: FlatMatrix): Expansion | undefined {
  const height = Array.from({ length: x.rows }, (_, i) => x.data[i * x.cols] as number);
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
