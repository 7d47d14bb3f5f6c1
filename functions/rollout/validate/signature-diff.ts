import type { ModelMetadata, ModelSignature, ValueSignature } from '../../shared/model-signature.js';

/**
 * What changed between the live model and the candidate, as seen from outside: input and output
 * names, element types and shapes, and every metadata_props entry (features/targets order included).
 * Informational — the contract check decides; the diff tells a reviewer why a model that "only
 * retrained" suddenly fails, or that a renamed output is harmless.
 */
export interface SignatureDifference {
  /** e.g. "inputs[0].shape", "outputs.count", "metadata.features". */
  path: string;
  live: unknown;
  candidate: unknown;
}

export interface SignatureSide {
  signature: ModelSignature;
  metadata: ModelMetadata;
}

export function diffSignatures(live: SignatureSide, candidate: SignatureSide): SignatureDifference[] {
  const out: SignatureDifference[] = [];
  diffValues('inputs', live.signature.inputs, candidate.signature.inputs, out);
  diffValues('outputs', live.signature.outputs, candidate.signature.outputs, out);
  const keys = [...new Set([...Object.keys(live.metadata), ...Object.keys(candidate.metadata)])].sort();
  for (const key of keys) {
    const a = live.metadata[key];
    const b = candidate.metadata[key];
    if (a !== b) out.push({ path: `metadata.${key}`, live: a ?? null, candidate: b ?? null });
  }
  return out;
}

function diffValues(
  what: string,
  live: ValueSignature[],
  candidate: ValueSignature[],
  out: SignatureDifference[],
) {
  if (live.length !== candidate.length) {
    out.push({ path: `${what}.count`, live: live.length, candidate: candidate.length });
  }
  for (let i = 0; i < Math.max(live.length, candidate.length); i++) {
    const a = live[i];
    const b = candidate[i];
    if (!a || !b) {
      out.push({ path: `${what}[${i}]`, live: a ?? null, candidate: b ?? null });
      continue;
    }
    if (a.name !== b.name) out.push({ path: `${what}[${i}].name`, live: a.name, candidate: b.name });
    if (a.isTensor !== b.isTensor) {
      out.push({ path: `${what}[${i}].isTensor`, live: a.isTensor, candidate: b.isTensor });
    }
    if (a.type !== b.type)
      out.push({ path: `${what}[${i}].type`, live: a.type ?? null, candidate: b.type ?? null });
    if (a.shape.join(',') !== b.shape.join(',')) {
      out.push({ path: `${what}[${i}].shape`, live: a.shape, candidate: b.shape });
    }
  }
}
