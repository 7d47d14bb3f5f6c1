import { boundText } from './bounded-text.js';

/**
 * Bounds an ONNX file before anything decodes it. A protobuf decoder turns every 2-byte empty
 * message into an object (≈150 B of JS heap, more in onnxruntime's C++), and merges repeated
 * occurrences of a singular field — a valid model followed by a second `graph` field of millions of
 * empty nodes is one huge graph to every decoder. This module walks the wire format (tags and
 * lengths, nothing materialised), counts what would be built and reads the few fields the
 * validation report shows. The validation gate and the recommend function both call it before
 * onnxruntime sees the bytes, so they agree on which files are models (docs/validation.md, "Bounds").
 */

/** Limits for a seat-fit regression model; docs/validation.md says why each is generous. */
export const ONNX_LIMITS = {
  /** `graph` fields in the ModelProto: protobuf would merge a second one into the first. */
  graphFields: 1,
  /** NodeProtos in every graph, subgraph and function. */
  nodes: 50_000,
  /** TensorProtos anywhere: initializers, sparse parts, attribute tensors. */
  tensors: 50_000,
  /** Variable-length fields of any kind (messages, strings, bytes, packed arrays). */
  elements: 2_000_000,
  /** Nesting depth of messages (subgraphs, nested types). */
  depth: 32,
} as const;

export type OnnxLimits = { [K in keyof typeof ONNX_LIMITS]: number };

/** What the file holds, read from the wire (the top-level graph for nodes and operators). */
export interface OnnxFileInfo {
  irVersion: number;
  producer: string;
  opsets: Array<{ domain: string; version: number }>;
  nodes: number;
  /** Distinct operators as `domain:OpType` (the default domain written as `ai.onnx`). */
  operators: string[];
}

export interface OnnxCounts {
  bytes: number;
  graphFields: number;
  nodes: number;
  tensors: number;
  elements: number;
  depth: number;
  /** Tensors whose data lives outside the file (data_location = EXTERNAL or external_data set). */
  externalTensors: number;
}

export interface OnnxScan {
  counts: OnnxCounts;
  info: OnnxFileInfo;
  /** The first external tensor's name, bounded, for the report. */
  firstExternal?: string;
}

export interface BoundViolation {
  rule: 'graph_fields' | 'nodes' | 'tensors' | 'elements' | 'depth' | 'external_data';
  message: string;
}

/** The bytes are not protobuf wire format (truncated, a length past the end, a deprecated group). */
export class OnnxWireError extends Error {
  override name = 'OnnxWireError';
}

type Kind =
  | 'model'
  | 'training'
  | 'graph'
  | 'annotation'
  | 'node'
  | 'attribute'
  | 'tensor'
  | 'sparse'
  | 'valueInfo'
  | 'type'
  | 'typeTensor'
  | 'typeNested'
  | 'typeMap'
  | 'shape'
  | 'function'
  | 'leaf';

/**
 * onnx.proto's message-typed fields (field number → message kind); every other length-delimited
 * field is a string, bytes or a packed array and is skipped whole. `leaf` stands for messages with
 * only scalar fields (OperatorSetIdProto, StringStringEntryProto, Dimension, Segment).
 */
const SCHEMA: Record<Kind, Readonly<Record<number, Kind>>> = {
  model: { 7: 'graph', 8: 'leaf', 14: 'leaf', 20: 'training', 25: 'function' },
  training: { 1: 'graph', 2: 'graph', 3: 'leaf', 4: 'leaf' },
  graph: {
    1: 'node',
    5: 'tensor',
    11: 'valueInfo',
    12: 'valueInfo',
    13: 'valueInfo',
    14: 'annotation',
    15: 'sparse',
    16: 'leaf',
  },
  annotation: { 2: 'leaf' },
  node: { 5: 'attribute', 9: 'leaf' },
  attribute: {
    5: 'tensor',
    6: 'graph',
    10: 'tensor',
    11: 'graph',
    14: 'type',
    15: 'type',
    22: 'sparse',
    23: 'sparse',
  },
  tensor: { 3: 'leaf', 13: 'leaf', 16: 'leaf' },
  sparse: { 1: 'tensor', 2: 'tensor' },
  valueInfo: { 2: 'type', 4: 'leaf' },
  type: { 1: 'typeTensor', 4: 'typeNested', 5: 'typeMap', 8: 'typeTensor', 9: 'typeNested' },
  typeTensor: { 2: 'shape' },
  typeNested: { 1: 'type' },
  typeMap: { 2: 'type' },
  shape: { 1: 'leaf' },
  function: { 7: 'node', 9: 'leaf', 11: 'attribute', 13: 'valueInfo', 14: 'leaf' },
  leaf: {},
};

// onnx.proto field numbers the scan reads values of.
const MODEL_IR_VERSION = 1;
const MODEL_PRODUCER_NAME = 2;
const MODEL_PRODUCER_VERSION = 3;
const MODEL_GRAPH = 7;
const MODEL_OPSET_IMPORT = 8;
const NODE_OP_TYPE = 4;
const NODE_DOMAIN = 7;
const TENSOR_NAME = 8;
const TENSOR_EXTERNAL_DATA = 13;
const TENSOR_DATA_LOCATION = 14;
const DATA_LOCATION_EXTERNAL = 1;

/** Distinct operators kept for the report; a model with more is summarised. */
const MAX_OPERATORS = 100;

const VARINT = 0;
const FIXED64 = 1;
const LEN = 2;
const FIXED32 = 5;

/** Reads one file's wire format; `pos` moves forward only, so the scan is O(bytes). */
class Wire {
  pos = 0;
  constructor(readonly bytes: Uint8Array) {}

  varint(): number {
    // One-byte varints (most tags and short lengths) first: the scan of a 16 MB bomb is 8 M of them.
    const first = this.bytes[this.pos];
    if (first !== undefined && first < 0x80) {
      this.pos++;
      return first;
    }
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.bytes.length) throw new OnnxWireError(`truncated varint at byte ${this.pos}`);
      const b = this.bytes[this.pos++] as number;
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 128;
    }
    throw new OnnxWireError(`varint longer than 10 bytes at byte ${this.pos}`);
  }

  /** The end of a length-delimited field that starts here. */
  lengthEnd(limit: number): number {
    const length = this.varint();
    const end = this.pos + length;
    if (end > limit)
      throw new OnnxWireError(`a field of ${length} bytes at byte ${this.pos} runs past its message`);
    return end;
  }

  skip(wireType: number, limit: number): void {
    if (wireType === VARINT) this.varint();
    else if (wireType === FIXED64) this.pos += 8;
    else if (wireType === FIXED32) this.pos += 4;
    else if (wireType === LEN) this.pos = this.lengthEnd(limit);
    else throw new OnnxWireError(`wire type ${wireType} at byte ${this.pos} (groups are not ONNX)`);
    if (this.pos > limit)
      throw new OnnxWireError(`a fixed-size field runs past its message at byte ${limit}`);
  }

  text(end: number): string {
    return boundText(
      Buffer.from(this.bytes.buffer, this.bytes.byteOffset + this.pos, end - this.pos).toString('utf8'),
    );
  }
}

/**
 * Counts and reads an ONNX file without decoding it. Throws OnnxWireError when the bytes are not
 * protobuf wire format.
 */
export function scanOnnx(bytes: Uint8Array): OnnxScan {
  const wire = new Wire(bytes);
  const counts: OnnxCounts = {
    bytes: bytes.length,
    graphFields: 0,
    nodes: 0,
    tensors: 0,
    elements: 0,
    depth: 0,
    externalTensors: 0,
  };
  const info: OnnxFileInfo = { irVersion: 0, producer: '', opsets: [], nodes: 0, operators: [] };
  const operators = new Set<string>();
  let producerName = '';
  let producerVersion = '';
  let firstExternal: string | undefined;

  // `top` marks the model's own graph and its nodes, whose operators the report lists.
  const walk = (kind: Kind, end: number, depth: number, top: boolean): void => {
    if (depth > counts.depth) counts.depth = depth;
    // Deeper than the limit is refused anyway: skip the contents so the recursion stays bounded.
    if (depth > ONNX_LIMITS.depth) {
      wire.pos = end;
      return;
    }
    const children = SCHEMA[kind];
    let opType = '';
    let domain = '';
    let tensorName = '';
    let external = false;
    while (wire.pos < end) {
      const tag = wire.varint();
      const field = tag >= 0x1_0000_0000 ? Math.floor(tag / 8) : tag >>> 3;
      const wireType = tag % 8;
      if (wireType === LEN) {
        counts.elements++;
        const child = children[field];
        const fieldEnd = wire.lengthEnd(end);
        if (child) {
          if (kind === 'model' && field === MODEL_GRAPH) counts.graphFields++;
          if (child === 'node') counts.nodes++;
          if (child === 'tensor') counts.tensors++;
          if (kind === 'model' && field === MODEL_OPSET_IMPORT) {
            const opset = readOpset(wire, fieldEnd);
            info.opsets.push(opset);
            continue;
          }
          const topNode = top && kind === 'graph' && child === 'node';
          if (topNode) info.nodes++;
          // An empty message holds nothing to count: not walking it keeps a bomb of them fast to scan.
          if (fieldEnd > wire.pos)
            walk(child, fieldEnd, depth + 1, top && (kind === 'model' || kind === 'graph'));
          else if (topNode && operators.size < MAX_OPERATORS) operators.add('ai.onnx:?');
          continue;
        }
        if (kind === 'model' && field === MODEL_PRODUCER_NAME) producerName = wire.text(fieldEnd);
        else if (kind === 'model' && field === MODEL_PRODUCER_VERSION) producerVersion = wire.text(fieldEnd);
        else if (kind === 'node' && top && field === NODE_OP_TYPE) opType = wire.text(fieldEnd);
        else if (kind === 'node' && top && field === NODE_DOMAIN) domain = wire.text(fieldEnd);
        else if (kind === 'tensor' && field === TENSOR_NAME) tensorName = wire.text(fieldEnd);
        if (kind === 'tensor' && field === TENSOR_EXTERNAL_DATA) external = true;
        wire.pos = fieldEnd;
        continue;
      }
      if (wireType === VARINT && kind === 'model' && field === MODEL_IR_VERSION) {
        info.irVersion = wire.varint();
      } else if (wireType === VARINT && kind === 'tensor' && field === TENSOR_DATA_LOCATION) {
        external = wire.varint() === DATA_LOCATION_EXTERNAL;
      } else {
        wire.skip(wireType, end);
      }
    }
    if (wire.pos !== end) throw new OnnxWireError(`a field runs past its message at byte ${end}`);
    if (kind === 'node' && top) {
      if (operators.size < MAX_OPERATORS) operators.add(`${domain || 'ai.onnx'}:${opType || '?'}`);
    }
    if (kind === 'tensor' && external) {
      counts.externalTensors++;
      firstExternal ??= tensorName;
    }
  };

  walk('model', bytes.length, 0, true);
  info.producer = [producerName, producerVersion].filter(Boolean).join(' ');
  info.operators = [...operators].sort();
  return { counts, info, ...(firstExternal !== undefined ? { firstExternal } : {}) };
}

function readOpset(wire: Wire, end: number): { domain: string; version: number } {
  let domain = '';
  let version = 0;
  while (wire.pos < end) {
    const tag = wire.varint();
    const field = Math.floor(tag / 8);
    const wireType = tag % 8;
    if (field === 1 && wireType === LEN) {
      const fieldEnd = wire.lengthEnd(end);
      domain = wire.text(fieldEnd);
      wire.pos = fieldEnd;
    } else if (field === 2 && wireType === VARINT) {
      version = wire.varint();
    } else {
      wire.skip(wireType, end);
    }
  }
  if (wire.pos !== end) throw new OnnxWireError(`a field runs past its message at byte ${end}`);
  return { domain: domain || 'ai.onnx', version };
}

const LIMITED: Array<[keyof OnnxLimits & keyof OnnxCounts, BoundViolation['rule'], string]> = [
  ['graphFields', 'graph_fields', '`graph` fields (a second one would be merged into the first)'],
  ['nodes', 'nodes', 'nodes'],
  ['tensors', 'tensors', 'tensors'],
  ['elements', 'elements', 'variable-length protobuf fields'],
  ['depth', 'depth', 'levels of message nesting'],
];

/** What in a scanned file is beyond the limits, or refers to data outside the file. */
export function boundViolations(scan: OnnxScan, limits: OnnxLimits = ONNX_LIMITS): BoundViolation[] {
  const out: BoundViolation[] = [];
  for (const [count, rule, what] of LIMITED) {
    if (scan.counts[count] > limits[count]) {
      out.push({ rule, message: `${scan.counts[count]} ${what} (limit ${limits[count]})` });
    }
  }
  if (scan.counts.externalTensors > 0) {
    out.push({
      rule: 'external_data',
      message: `${scan.counts.externalTensors} tensor(s) keep their data outside the file (first: "${
        scan.firstExternal ?? ''
      }"); only self-contained models are accepted`,
    });
  }
  return out;
}
