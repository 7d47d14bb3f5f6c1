import onnxProto from 'onnx-proto';
import { ACTUATOR_RANGES, FEATURES, TARGETS } from '../../functions/shared/contract.js';

/**
 * Tiny linear ONNX models (MatMul + Add) for the recommend tests, built through onnx-proto.
 * The canonical map is target_i = Σ_j W[j][i]·feature_j + b_i with a distinct weight per pair, so a
 * model written in another column order gives identical canonical predictions only when the service
 * honours its `features`/`targets` metadata.
 */
const { onnx } = onnxProto;

export const PROBE = { height: 175, upper_arm: 32.5, forearm: 26.8, thigh: 45.2, calf: 38.9, torso: 61.5 };
export const PROBE_ROW = FEATURES.map((f) => PROBE[f]);

export function canonicalWeight(j: number, i: number): number {
  return 0.01 * (j + 1) + 0.001 * (i + 1);
}

/** Biases chosen so the probe person lands mid-range on every actuator (plus `offset`). */
export function canonicalBias(i: number, offset = 0): number {
  const name = TARGETS[i] as (typeof TARGETS)[number];
  const { min, max } = ACTUATOR_RANGES[name];
  let dot = 0;
  for (let j = 0; j < FEATURES.length; j++) dot += canonicalWeight(j, i) * (PROBE_ROW[j] as number);
  return (min + max) / 2 - dot + offset;
}

/** Canonical predictions of the reference linear model (float64; compare at float32 precision). */
export function expectedOutputs(row: number[], offset = 0): number[] {
  return TARGETS.map((_, i) =>
    row.reduce((s, x, j) => s + canonicalWeight(j, i) * x, canonicalBias(i, offset)),
  );
}

export interface LinearModelOptions {
  /** Model input order; also written as `features` metadata unless `metadata` overrides it. */
  features?: readonly string[];
  targets?: readonly string[];
  /** Extra or overriding metadata_props (a key set to undefined is omitted). */
  metadata?: Record<string, string | undefined>;
  /** Added to every bias: a "different model" with otherwise the same shape. */
  offset?: number;
  elemType?: 'float32' | 'float64';
  inputWidth?: number;
  outputWidth?: number;
  batch?: number | 'N';
  extraInput?: boolean;
}

const ELEM = { float32: 1, float64: 11 } as const;

function dims(batch: number | 'N', width: number) {
  return {
    dim: [typeof batch === 'number' ? { dimValue: batch } : { dimParam: batch }, { dimValue: width }],
  };
}

export function linearModel(opts: LinearModelOptions = {}): Uint8Array {
  const features = opts.features ?? FEATURES;
  const targets = opts.targets ?? TARGETS;
  const inW = opts.inputWidth ?? features.length;
  const outW = opts.outputWidth ?? targets.length;
  const elemType = ELEM[opts.elemType ?? 'float32'];
  const batch = opts.batch ?? 'N';
  const w: number[] = [];
  for (let j = 0; j < inW; j++) {
    for (let k = 0; k < outW; k++) {
      const cj = FEATURES.indexOf(features[j] as (typeof FEATURES)[number]);
      const ci = TARGETS.indexOf(targets[k] as (typeof TARGETS)[number]);
      w.push(cj >= 0 && ci >= 0 ? canonicalWeight(cj, ci) : 0.01);
    }
  }
  const b = Array.from({ length: outW }, (_, k) => {
    const ci = TARGETS.indexOf(targets[k] as (typeof TARGETS)[number]);
    return ci >= 0 ? canonicalBias(ci, opts.offset) : 0;
  });
  const tensor = (name: string, shape: number[], values: number[]) =>
    opts.elemType === 'float64'
      ? { name, dataType: elemType, dims: shape, doubleData: values }
      : { name, dataType: elemType, dims: shape, floatData: values };
  const valueInfo = (name: string, width: number) => ({
    name,
    type: { tensorType: { elemType, shape: dims(batch, width) } },
  });
  const metadata: Record<string, string | undefined> = {
    model_name: 'linear-test',
    ...(opts.features ? { features: JSON.stringify(opts.features) } : {}),
    ...(opts.targets ? { targets: JSON.stringify(opts.targets) } : {}),
    ...opts.metadata,
  };
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'hypermob-test',
    opsetImport: [{ domain: '', version: 17 }],
    metadataProps: Object.entries(metadata)
      .filter((e): e is [string, string] => e[1] !== undefined)
      .map(([key, value]) => ({ key, value })),
    graph: {
      name: 'linear',
      node: [
        { opType: 'MatMul', input: ['input', 'W'], output: ['xw'], name: 'matmul' },
        { opType: 'Add', input: ['xw', 'B'], output: ['output'], name: 'add' },
      ],
      initializer: [tensor('W', [inW, outW], w), tensor('B', [outW], b)],
      input: [valueInfo('input', inW), ...(opts.extraInput ? [valueInfo('extra', inW)] : [])],
      output: [valueInfo('output', outW)],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** xs[i], failing the test instead of returning undefined. */
export function at<T>(xs: readonly T[], i: number): T {
  const x = xs[i];
  if (x === undefined) throw new Error(`no element ${i}`);
  return x;
}
