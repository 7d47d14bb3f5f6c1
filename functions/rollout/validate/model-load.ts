import { type LoadedModel, loadModel, ModelContractError } from '../../shared/inference.js';
import type { ContractViolation, ModelMetadata, ModelSignature } from '../../shared/model-signature.js';
import { openInChildProcess } from './session-process.js';

/**
 * A model file as onnxruntime-node loads it, for judging rather than serving: inference.ts's
 * loadModel refuses a model that breaks the contract, but the validation report wants the signature
 * exactly then (the signature diff explains the break), and wants a NaN for the probe row reported as
 * the finite check's failure rather than as a contract break. Used for the candidate (the loads and
 * contract checks) and for the live model. The session lives in a child process that `signal`, and
 * each prediction's own signal, can kill (session-process.ts).
 */
export interface LoadedCandidate {
  signature: ModelSignature;
  metadata: ModelMetadata;
  /** Every static contract violation (docs/model-contract.md); empty when the model meets it. */
  violations: ContractViolation[];
  /** Ready for inference: met the contract and answered the probe row with finite values. */
  model?: LoadedModel;
  /** Met the static contract but answered NaN/Inf for the probe row, so inference.ts refused it. */
  nonFinite?: string;
}

/** Rules of inference.ts meaning no session was created (not ONNX, beyond the bounds, refused by onnxruntime). */
const LOAD_RULES = new Set(['parses', 'bounds', 'loads']);

/** The model as loaded, or why onnxruntime cannot load it. */
export async function loadCandidate(
  bytes: Uint8Array,
  signal?: AbortSignal,
): Promise<LoadedCandidate | { loadError: string }> {
  try {
    const model = await loadModel(bytes, (b) => openInChildProcess(b, signal));
    return { signature: model.signature, metadata: model.metadata, violations: [], model };
  } catch (err) {
    if (!(err instanceof ModelContractError)) throw err;
    if (err.violations.some((v) => LOAD_RULES.has(v.rule)) || !err.found) return { loadError: err.message };
    const { signature, metadata } = err.found;
    const [only] = err.violations;
    if (err.violations.length === 1 && only?.rule === 'probe' && /non-finite/i.test(only.message)) {
      return { signature, metadata, violations: [], nonFinite: only.message };
    }
    return { signature, metadata, violations: err.violations };
  }
}
