/**
 * Generic ONNX building blocks over the onnx-proto protobuf messages: tensors, attributes, nodes,
 * value infos and a whole model with metadata_props. Kept free of anything seat-fit specific so
 * test fixtures can build deliberately odd models (two inputs, float64, custom ops…) with it.
 */

import type { onnx as OnnxTypes } from 'onnx-proto';
import onnxProto from 'onnx-proto';

// onnx-proto is CommonJS: Node's ESM loader exposes its namespace only as the default export.
export const { onnx } = onnxProto;
export type NodeProto = OnnxTypes.INodeProto;
export type TensorProto = OnnxTypes.ITensorProto;
export type AttributeProto = OnnxTypes.IAttributeProto;

export type ElemType = 'float32' | 'float64' | 'int64';
const DATA_TYPE: Record<ElemType, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  float64: onnx.TensorProto.DataType.DOUBLE,
  int64: onnx.TensorProto.DataType.INT64,
};

/** A graph input or output; string dims are symbolic (dynamic), e.g. the batch dimension "N". */
export interface ValueSpec {
  name: string;
  elemType: ElemType;
  shape: (number | string)[];
}

export interface OpsetSpec {
  domain: string;
  version: number;
}

/**
 * ai.onnx 17 and ai.onnx.ml 3 with IR version 8 are what onnx-proto (ONNX 1.10+) can describe and
 * what every onnxruntime since 1.12 runs, including onnxruntime-node 1.30.
 */
export const IR_VERSION = 8;
export const DEFAULT_OPSETS: OpsetSpec[] = [{ domain: '', version: 17 }];
export const ML_OPSET: OpsetSpec = { domain: 'ai.onnx.ml', version: 3 };

export interface ModelSpec {
  graphName: string;
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  nodes: NodeProto[];
  initializers: TensorProto[];
  metadata?: Record<string, string>;
  opsets?: OpsetSpec[];
  producerName?: string;
  docString?: string;
}

export function tensor(
  name: string,
  dims: number[],
  values: readonly number[],
  elemType: ElemType = 'float32',
): TensorProto {
  const expected = dims.reduce((a, b) => a * b, 1);
  if (values.length !== expected)
    throw new Error(`tensor ${name}: ${values.length} values for dims [${dims}]`);
  const base = { name, dims, dataType: DATA_TYPE[elemType] };
  if (elemType === 'float32') return { ...base, floatData: [...values] };
  if (elemType === 'float64') return { ...base, doubleData: [...values] };
  return { ...base, int64Data: [...values] };
}

export type AttrValue = number | number[] | string | { ints: number[] } | { int: number };

/** Plain numbers are floats; wrap integers as {int} / {ints} (ONNX keeps the two apart). */
export function attribute(name: string, value: AttrValue): AttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof value === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(value) };
  if (typeof value === 'number') return { name, type: T.FLOAT, f: value };
  if (Array.isArray(value)) return { name, type: T.FLOATS, floats: value };
  if ('int' in value) return { name, type: T.INT, i: value.int };
  return { name, type: T.INTS, ints: value.ints };
}

export function node(
  opType: string,
  inputs: string[],
  outputs: string[],
  attrs: Record<string, AttrValue> = {},
  domain = '',
): NodeProto {
  return {
    opType,
    domain,
    name: `${opType}_${outputs[0] ?? ''}`,
    input: inputs,
    output: outputs,
    attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
  };
}

function valueInfo(v: ValueSpec) {
  return {
    name: v.name,
    type: {
      tensorType: {
        elemType: DATA_TYPE[v.elemType],
        shape: { dim: v.shape.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}

export function encodeModel(spec: ModelSpec): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    producerName: spec.producerName ?? 'hypermob-recommend',
    producerVersion: '1',
    docString: spec.docString ?? '',
    opsetImport: spec.opsets ?? DEFAULT_OPSETS,
    metadataProps: Object.entries(spec.metadata ?? {}).map(([key, value]) => ({ key, value })),
    graph: {
      name: spec.graphName,
      node: spec.nodes,
      initializer: spec.initializers,
      input: spec.inputs.map(valueInfo),
      output: spec.outputs.map(valueInfo),
    },
  });
  // Copy out of protobufjs' pooled buffer so callers get a standalone Uint8Array.
  return new Uint8Array(onnx.ModelProto.encode(model).finish());
}

/** Reads metadata_props back (tests, the CLI and the validation gate use this without onnxruntime). */
export function decodeMetadata(bytes: Uint8Array): Record<string, string> {
  const m = onnx.ModelProto.decode(bytes);
  return Object.fromEntries(m.metadataProps.map((p) => [p.key, p.value]));
}
