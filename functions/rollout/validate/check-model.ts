import { createSession, type LoadedModel, loadModel, ModelContractError } from '../../shared/inference.js';
import {
  type ContractViolation,
  columnOrder,
  type ModelMetadata,
  type ModelSignature,
  readMetadataProps,
  readSignature,
} from '../../shared/model-signature.js';
import { type CheckResult, skipped } from './check-result.js';

/**
 * "Loads" (onnxruntime-node creates a session: every operator is supported) and "contract" (one
 * float32 [N, 6] input, first output float32 [N, 7], valid features/targets metadata, and a probe
 * inference that really returns [N, 7]). The signature is read even when the contract fails, because
 * the report's signature diff is most useful exactly then.
 */
export interface ModelOutcome {
  loads: CheckResult;
  contract: CheckResult;
  /** Ready for inference when both checks passed. */
  model?: LoadedModel;
  signature?: ModelSignature;
  metadata?: ModelMetadata;
  /**
   * The model meets the static contract but returned NaN/Inf for the probe row, so inference.ts
   * refused it: that is the finite check's failure, not a contract break.
   */
  nonFinite?: string;
  loadMs: number;
}

const LOAD_RULES = new Set(['parses', 'loads']);

export async function loadAndCheckContract(bytes: Uint8Array): Promise<ModelOutcome> {
  const t0 = performance.now();
  try {
    const model = await loadModel(bytes);
    const loadMs = performance.now() - t0;
    return {
      loads: { name: 'loads', status: 'passed', summary: 'onnxruntime-node created a session' },
      contract: contractResult([], model.signature, model.metadata),
      model,
      signature: model.signature,
      metadata: model.metadata,
      loadMs,
    };
  } catch (err) {
    const loadMs = performance.now() - t0;
    if (!(err instanceof ModelContractError)) throw err;
    if (err.violations.some((v) => LOAD_RULES.has(v.rule))) {
      return {
        loads: { name: 'loads', status: 'failed', summary: err.message },
        contract: skipped('contract', 'the model does not load'),
        loadMs,
      };
    }
    const { signature, metadata } = await readSignatureOnly(bytes);
    const [only] = err.violations;
    if (err.violations.length === 1 && only?.rule === 'probe' && /non-finite/i.test(only.message)) {
      return {
        loads: { name: 'loads', status: 'passed', summary: 'onnxruntime-node created a session' },
        contract: contractResult([], signature, metadata),
        signature,
        metadata,
        nonFinite: only.message,
        loadMs,
      };
    }
    return {
      loads: { name: 'loads', status: 'passed', summary: 'onnxruntime-node created a session' },
      contract: contractResult(err.violations, signature, metadata),
      signature,
      metadata,
      loadMs,
    };
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

function contractResult(
  violations: ContractViolation[],
  signature: ModelSignature,
  metadata: ModelMetadata,
): CheckResult {
  // loadModel lists every static violation at once; a probe violation only comes when there are none.
  const all = violations;
  const order = columnOrder(metadata);
  return {
    name: 'contract',
    status: all.length === 0 ? 'passed' : 'failed',
    summary:
      all.length === 0
        ? `1 float32 input [N, 6], output float32 [N, 7], features/targets ${
            metadata.features || metadata.targets ? 'from metadata' : 'in canonical order'
          }`
        : all.map((v) => v.message).join('; '),
    details: { violations: all, signature, columnOrder: order },
  };
}
