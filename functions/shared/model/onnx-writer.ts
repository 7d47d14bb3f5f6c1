/**
 * Writes a fitted (optionally expanded) linear model as ONNX:
 *
 *   input [N,w] ─(Gather→Sub→Mul→Relu / Sub→Mul)→ Concat → Sub(mean) → MatMul(W/scale) → Add(intercept) → output [N,t]
 *
 * Centring in the graph (Sub) instead of folding the mean into the bias avoids float32 cancellation
 * between a large bias and large products, so onnxruntime matches the float64 predict() closely.
 * `head: 'linear-regressor'` replaces MatMul+Add with ai.onnx.ml LinearRegressor (what scikit-learn
 * converters emit); `featureOrder`/`targetOrder` write the same model for permuted columns.
 */
import { type Expansion, expandedWidth } from './features.js';
import {
  DEFAULT_OPSETS,
  encodeModel,
  ML_OPSET,
  type ModelSpec,
  type NodeProto,
  node,
  type TensorProto,
  tensor,
} from './onnx-builder.js';
import type { LinearFit } from './ridge.js';

export interface LinearModel {
  fit: LinearFit;
  expansion?: Expansion;
  /** Number of raw input columns (6 for the seat-fit contract). */
  inputWidth: number;
}

export interface WriteOptions {
  metadata: Record<string, string>;
  head?: 'matmul' | 'linear-regressor';
  inputName?: string;
  outputName?: string;
  graphName?: string;
  /** Model input column i carries canonical column featureOrder[i] (default: identity). */
  featureOrder?: number[];
  /** Model output k carries canonical target targetOrder[k] (default: identity). */
  targetOrder?: number[];
}

export function writeLinearModel(model: LinearModel, opts: WriteOptions): Uint8Array {
  return encodeModel(linearModelSpec(model, opts));
}

/** The graph before encoding, so tests can derive deliberately broken variants from a real model. */
export function linearModelSpec(model: LinearModel, opts: WriteOptions): ModelSpec {
  const { fit, expansion, inputWidth } = model;
  const targets = fit.intercept.length;
  const width = expandedWidth(inputWidth, expansion);
  const fo = opts.featureOrder ?? range(inputWidth);
  const to = opts.targetOrder ?? range(targets);
  checkPermutation(fo, inputWidth, 'featureOrder');
  checkPermutation(to, targets, 'targetOrder');
  // Row order of the expanded design in the model's column order: raw columns permuted, extras after.
  const rows = [...fo, ...range(width - inputWidth).map((i) => inputWidth + i)];
  const input = opts.inputName ?? 'input';
  const output = opts.outputName ?? 'output';

  const nodes: NodeProto[] = [];
  const inits: TensorProto[] = [];
  let design = input;
  if (expansion) {
    const parts = [input];
    const src = fo.indexOf(expansion.feature);
    inits.push(tensor('expand_index', [1], [src], 'int64'));
    nodes.push(node('Gather', [input, 'expand_index'], ['expand_source'], { axis: { int: 1 } }));
    if (expansion.hinges.length > 0) {
      const k = expansion.hinges.length;
      inits.push(
        tensor(
          'hinge_knots',
          [k],
          expansion.hinges.map((h) => h.knot),
        ),
      );
      inits.push(
        tensor(
          'hinge_directions',
          [k],
          expansion.hinges.map((h) => h.direction),
        ),
      );
      nodes.push(node('Sub', ['expand_source', 'hinge_knots'], ['hinge_shifted']));
      nodes.push(node('Mul', ['hinge_shifted', 'hinge_directions'], ['hinge_signed']));
      nodes.push(node('Relu', ['hinge_signed'], ['hinges']));
      parts.push('hinges');
    }
    if (expansion.square) {
      inits.push(tensor('square_center', [1], [expansion.square.center]));
      nodes.push(node('Sub', ['expand_source', 'square_center'], ['square_shifted']));
      nodes.push(node('Mul', ['square_shifted', 'square_shifted'], ['square']));
      parts.push('square');
    }
    nodes.push(node('Concat', parts, ['design'], { axis: { int: 1 } }));
    design = 'design';
  }

  inits.push(
    tensor(
      'mean',
      [width],
      rows.map((r) => fit.mean[r] as number),
    ),
  );
  nodes.push(node('Sub', [design, 'mean'], ['centered']));
  // Scaled weights in model row/column order: w[j][k] / scale[j].
  const w = rows.map((r) =>
    to.map((t) => ((fit.weights[r] as number[])[t] as number) / (fit.scale[r] as number)),
  );
  const b = to.map((t) => fit.intercept[t] as number);
  let opsets = DEFAULT_OPSETS;
  if (opts.head === 'linear-regressor') {
    // LinearRegressor stores coefficients target-major: [targets, features].
    const coefficients = to.flatMap((_, k) => rows.map((_r, j) => (w[j] as number[])[k] as number));
    nodes.push(
      node(
        'LinearRegressor',
        ['centered'],
        [output],
        {
          coefficients,
          intercepts: b,
          targets: { int: targets },
          post_transform: 'NONE',
        },
        ML_OPSET.domain,
      ),
    );
    opsets = [...DEFAULT_OPSETS, ML_OPSET];
  } else {
    inits.push(tensor('weights', [width, targets], w.flat()));
    inits.push(tensor('intercept', [targets], b));
    nodes.push(node('MatMul', ['centered', 'weights'], ['projected']));
    nodes.push(node('Add', ['projected', 'intercept'], [output]));
  }

  return {
    graphName: opts.graphName ?? 'seat_fit',
    inputs: [{ name: input, elemType: 'float32', shape: ['N', inputWidth] }],
    outputs: [{ name: output, elemType: 'float32', shape: ['N', targets] }],
    nodes,
    initializers: inits,
    metadata: opts.metadata,
    opsets,
  };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function checkPermutation(p: number[], n: number, what: string): void {
  const seen = new Set(p);
  if (p.length !== n || seen.size !== n || p.some((i) => !Number.isInteger(i) || i < 0 || i >= n)) {
    throw new Error(`${what} must be a permutation of 0..${n - 1}`);
  }
}
