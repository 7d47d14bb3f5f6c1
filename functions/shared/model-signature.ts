import type { InferenceSession } from 'onnxruntime-node';
import protobuf from 'protobufjs/minimal.js';
import { boundText } from './bounded-text.js';
import { FEATURES, METADATA_KEYS, TARGETS } from './contract.js';

/**
 * What a model looks like from outside — its inputs, outputs and metadata_props — and the pure
 * check of that against docs/model-contract.md. Shared by the recommend function (refuses to serve
 * a model that breaks the contract) and the rollout's validation gate (reports violations and a
 * signature diff against the live model).
 */

export interface ValueSignature {
  name: string;
  isTensor: boolean;
  /** onnxruntime's element type name ('float32', 'float64', …); undefined for non-tensors. */
  type?: string;
  /** Dimensions: a number when fixed, a string when symbolic (dynamic); [] when unknown. */
  shape: Array<number | string>;
}

export interface ModelSignature {
  inputs: ValueSignature[];
  outputs: ValueSignature[];
}

export type ModelMetadata = Record<string, string>;

export interface ContractViolation {
  /** Stable identifier of the broken rule, e.g. 'input_count', 'features_metadata'. */
  rule: string;
  message: string;
}

export const INPUT_WIDTH = FEATURES.length;
export const OUTPUT_WIDTH = TARGETS.length;

function toValueSignature(m: InferenceSession.ValueMetadata): ValueSignature {
  if (!m.isTensor) return { name: m.name, isTensor: false, shape: [] };
  return { name: m.name, isTensor: true, type: m.type, shape: [...m.shape] };
}

export function readSignature(
  session: Pick<InferenceSession, 'inputMetadata' | 'outputMetadata'>,
): ModelSignature {
  return {
    inputs: session.inputMetadata.map(toValueSignature),
    outputs: session.outputMetadata.map(toValueSignature),
  };
}

// onnx.proto: ModelProto.metadata_props = 14 (repeated StringStringEntryProto { key = 1; value = 2; }).
const MODEL_METADATA_PROPS = 14;

/**
 * metadata_props of an ONNX file. Throws when the bytes are not protobuf wire format.
 *
 * Reads only field 14 with protobufjs' Reader, the way onnx-proto's generated decoder does, and
 * skips the rest (the graph and its weights): the recommend function then does not load
 * onnx-proto's generated classes (~100 kB of bundle) on its cold start. onnxruntime parses the
 * whole model right after; the validation gate's `parses` check decodes all of it.
 */
export function readMetadataProps(bytes: Uint8Array): ModelMetadata {
  const reader = protobuf.Reader.create(bytes);
  const out: ModelMetadata = {};
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag >>> 3 !== MODEL_METADATA_PROPS) {
      reader.skipType(tag & 7);
      continue;
    }
    const end = reader.uint32() + reader.pos;
    let key = '';
    let value = '';
    while (reader.pos < end) {
      const t = reader.uint32();
      if (t >>> 3 === 1) key = reader.string();
      else if (t >>> 3 === 2) value = reader.string();
      else reader.skipType(t & 7);
    }
    // Later entries win, as in the generated decoder; entries without a key carry nothing.
    if (key) out[key] = value;
  }
  return out;
}

/** A dimension the runtime will accept any size for (symbolic name, or -1/unset in some exporters). */
function isDynamic(dim: number | string | undefined): boolean {
  return typeof dim === 'string' || (typeof dim === 'number' && dim < 0);
}

function checkTensor(
  v: ValueSignature,
  what: 'input' | 'output',
  width: number,
  out: ContractViolation[],
): void {
  const rule = `${what}_tensor`;
  if (!v.isTensor) {
    out.push({ rule, message: `${what} "${boundText(v.name)}" is not a tensor` });
    return;
  }
  if (v.type !== 'float32') {
    out.push({
      rule: `${what}_type`,
      message: `${what} "${boundText(v.name)}" is ${v.type}, expected float32`,
    });
  }
  if (v.shape.length !== 2) {
    out.push({
      rule: `${what}_shape`,
      message: `${what} "${boundText(v.name)}" has shape [${boundText(v.shape.join(', '))}], expected [N, ${width}]`,
    });
    return;
  }
  const [batch, w] = v.shape;
  // A symbolic width cannot be checked statically; inference.ts probes the real output width.
  if (typeof w === 'number' && w !== width) {
    out.push({
      rule: `${what}_width`,
      message: `${what} "${boundText(v.name)}" has width ${w}, expected ${width}`,
    });
  }
  if (!isDynamic(batch)) {
    out.push({
      rule: `${what}_batch`,
      message: `${what} "${boundText(v.name)}" has a fixed batch dimension ${batch}; it must be dynamic (N)`,
    });
  }
}

/**
 * Parses a `features`/`targets` metadata value and checks it is a permutation of the canonical names.
 * Returns the names in the model's order, or undefined after recording a violation.
 */
function parseNameList(
  raw: string,
  key: string,
  canonical: readonly string[],
  out: ContractViolation[],
): string[] | undefined {
  const rule = `${key}_metadata`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    out.push({ rule, message: `metadata "${key}" is not JSON: ${boundText(raw, 80)}` });
    return undefined;
  }
  if (!Array.isArray(parsed) || !parsed.every((n) => typeof n === 'string')) {
    out.push({ rule, message: `metadata "${key}" must be a JSON array of names` });
    return undefined;
  }
  const names = parsed as string[];
  const unknown = names.filter((n) => !canonical.includes(n));
  const missing = canonical.filter((n) => !names.includes(n));
  const duplicated = names.filter((n, i) => names.indexOf(n) !== i);
  const problems: string[] = [];
  if (unknown.length > 0) problems.push(`unknown ${boundText(unknown.join(', '))}`);
  if (missing.length > 0) problems.push(`missing ${missing.join(', ')}`);
  if (duplicated.length > 0) problems.push(`duplicated ${boundText([...new Set(duplicated)].join(', '))}`);
  if (problems.length > 0) {
    out.push({
      rule,
      message: `metadata "${key}" is not a permutation of [${canonical.join(', ')}]: ${problems.join('; ')}`,
    });
    return undefined;
  }
  return names;
}

export interface ColumnOrder {
  /** The model's input columns: features[j] is fed at input position j. */
  features: string[];
  /** The model's output columns: targets[j] is read from output position j. */
  targets: string[];
}

/** The model's column order from its metadata, canonical where absent. Violations are appended to `out`. */
export function columnOrder(metadata: ModelMetadata, out: ContractViolation[] = []): ColumnOrder {
  const f = metadata[METADATA_KEYS.features];
  const t = metadata[METADATA_KEYS.targets];
  return {
    features: (f === undefined ? undefined : parseNameList(f, METADATA_KEYS.features, FEATURES, out)) ?? [
      ...FEATURES,
    ],
    targets: (t === undefined ? undefined : parseNameList(t, METADATA_KEYS.targets, TARGETS, out)) ?? [
      ...TARGETS,
    ],
  };
}

/** Every way the signature and metadata break docs/model-contract.md; [] when the model conforms. */
export function checkContract(signature: ModelSignature, metadata: ModelMetadata): ContractViolation[] {
  const out: ContractViolation[] = [];
  if (signature.inputs.length !== 1) {
    out.push({
      rule: 'input_count',
      message: `model has ${signature.inputs.length} inputs (${boundText(signature.inputs.map((i) => i.name).join(', '))}), expected exactly 1`,
    });
  }
  const input = signature.inputs[0];
  if (input) checkTensor(input, 'input', INPUT_WIDTH, out);
  const output = signature.outputs[0];
  if (output) checkTensor(output, 'output', OUTPUT_WIDTH, out);
  else out.push({ rule: 'output_count', message: 'model has no outputs' });
  columnOrder(metadata, out);
  return out;
}
