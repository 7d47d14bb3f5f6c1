import { createSession, type LoadedModel, loadModel, ModelContractError } from '../../shared/inference.js';
import {
  type ContractViolation,
  type ModelMetadata,
  type ModelSignature,
  readMetadataProps,
  readSignature,
} from '../../shared/model-signature.js';

/**
 * A model file as onnxruntime-node loads it, for judging rather than serving: inference.ts's
 * loadModel refuses a model that breaks the contract, but the validation report wants the signature
 * exactly then (the signature diff explains the break), and wants a NaN for the probe row reported as
 * the finite check's failure rather than as a contract break. Used for the candidate (the loads and
 * contract checks) and for the live model.
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

/** Rules of inference.ts meaning onnxruntime could not create a session at all. */
const LOAD_RULES = new Set(['parses', 'loads']);

/** The model as loaded, or why onnxruntime cannot load it. */
export async function loadCandidate(bytes: Uint8Array): Promise<LoadedCandidate | { loadError: string }> {
  try {
    const model = await loadModel(bytes);
    return { signature: model.signature, metadata: model.metadata, violations: [], model };
  } catch (err) {
    if (!(err instanceof ModelContractError)) throw err;
    if (err.violations.some((v) => LOAD_RULES.has(v.rule))) return { loadError: err.message };
    const { signature, metadata } = await readSignatureOnly(bytes);
    const [only] = err.violations;
    if (err.violations.length === 1 && only?.rule === 'probe' && /non-finite/i.test(only.message)) {
      return { signature, metadata, violations: [], nonFinite: only.message };
    }
    return { signature, metadata, violations: err.violations };
  }
}

/** The signature of a model that loads but breaks the contract (loadModel releases its session). */
async function readSignatureOnly(
  bytes: Uint8Array,
): Promise<{ signature: ModelSignature; metadata: ModelMetadata }> {
  const session = await createSession(bytes);
  try {
    return { signature: readSignature(session), metadata: readMetadataProps(bytes) };
  } finally {
    await session.release();
  }
}
