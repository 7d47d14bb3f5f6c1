import onnxProto from 'onnx-proto';
import { defineCheck } from './check.js';
import type { Verdict } from './check-result.js';

/**
 * "Parses as ONNX": the bytes decode as an ONNX ModelProto that has an IR version and a graph.
 * Protobuf decodes an empty buffer, and some arbitrary bytes, as an empty message, so decoding alone
 * proves little; every real ONNX file sets ir_version and graph. The summary of what the file holds
 * (opsets, operators) goes into the report, which is where an "unsupported operator" is explained.
 */
export interface OnnxFileInfo {
  irVersion: number;
  producer: string;
  opsets: Array<{ domain: string; version: number }>;
  nodes: number;
  /** Distinct operators as `domain:OpType` (the default domain written as `ai.onnx`). */
  operators: string[];
}

const toNumber = (v: unknown): number => Number(v ?? 0);

export function inspectOnnx(bytes: Uint8Array): { verdict: Verdict; info?: OnnxFileInfo } {
  let model: onnxProto.onnx.ModelProto;
  try {
    model = onnxProto.onnx.ModelProto.decode(bytes);
  } catch (err) {
    return fail(`not an ONNX protobuf: ${(err as Error).message}`);
  }
  const irVersion = toNumber(model.irVersion);
  const graph = model.graph;
  if (irVersion <= 0 || !graph) {
    return fail(`not an ONNX model: ${irVersion <= 0 ? 'no ir_version' : 'no graph'}`);
  }
  const nodes = graph.node ?? [];
  const operators = [...new Set(nodes.map((n) => `${n.domain || 'ai.onnx'}:${n.opType ?? '?'}`))].sort();
  const info: OnnxFileInfo = {
    irVersion,
    producer: [model.producerName, model.producerVersion].filter(Boolean).join(' '),
    opsets: (model.opsetImport ?? []).map((o) => ({
      domain: o.domain || 'ai.onnx',
      version: toNumber(o.version),
    })),
    nodes: nodes.length,
    operators,
  };
  return {
    verdict: {
      status: 'passed',
      summary: `ONNX IR ${irVersion}, ${nodes.length} nodes (${operators.join(', ')})`,
      details: { ...info },
    },
    info,
  };
}

function fail(summary: string): { verdict: Verdict } {
  return { verdict: { status: 'failed', summary } };
}

export const parsesCheck = defineCheck({
  id: 'parses',
  order: 20,
  needs: ['bytes'],
  provides: { onnx: 'not an ONNX model' },
  run: ({ bytes }) => {
    if (bytes.length === 0) return { status: 'failed', summary: 'the file is empty' };
    const { verdict, info } = inspectOnnx(bytes);
    return { ...verdict, provides: info ? { onnx: info } : {} };
  },
});
