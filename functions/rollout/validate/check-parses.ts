import { boundViolations, type OnnxFileInfo, OnnxWireError, scanOnnx } from '../../shared/onnx-bounds.js';
import { defineCheck } from './check.js';
import type { Verdict } from './check-result.js';

export type { OnnxFileInfo };

/**
 * "Parses as ONNX, within bounds": the wire format is sound, the file has an IR version and a graph,
 * and what a decoder would build stays within onnx-bounds.ts's limits, with no tensor data outside
 * the file. Read from the wire without decoding (a protobuf bomb is refused before anything
 * allocates for it), by the same scan the recommend function runs before it creates a session.
 * Protobuf decodes an empty buffer, and some arbitrary bytes, as an empty message, so decoding alone
 * would prove little; every real ONNX file sets ir_version and graph. The summary of what the file
 * holds (opsets, operators) goes into the report, which is where an "unsupported operator" is explained.
 */
export function inspectOnnx(bytes: Uint8Array): { verdict: Verdict; info?: OnnxFileInfo } {
  let scan: ReturnType<typeof scanOnnx>;
  try {
    scan = scanOnnx(bytes);
  } catch (err) {
    if (!(err instanceof OnnxWireError)) throw err;
    return fail(`not an ONNX protobuf: ${err.message}`);
  }
  const { info, counts } = scan;
  const violations = boundViolations(scan);
  if (violations.length > 0) {
    return fail(`beyond the ONNX bounds: ${violations.map((v) => v.message).join('; ')}`, {
      counts,
      violations,
    });
  }
  if (info.irVersion <= 0 || counts.graphFields === 0) {
    return fail(`not an ONNX model: ${info.irVersion <= 0 ? 'no ir_version' : 'no graph'}`);
  }
  return {
    verdict: {
      status: 'passed',
      summary: `ONNX IR ${info.irVersion}, ${info.nodes} nodes (${info.operators.join(', ')})`,
      details: { ...info, counts },
    },
    info,
  };
}

function fail(summary: string, details?: Record<string, unknown>): { verdict: Verdict } {
  return { verdict: { status: 'failed', summary, ...(details ? { details } : {}) } };
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
