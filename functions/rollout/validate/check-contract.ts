import {
  type ContractViolation,
  columnOrder,
  type ModelMetadata,
  type ModelSignature,
} from '../../shared/model-signature.js';
import { defineCheck, noInference } from './check.js';
import type { Verdict } from './check-result.js';

/**
 * docs/model-contract.md: one float32 input [N, 6], first output float32 [N, 7], dynamic batch,
 * valid features/targets metadata, and a probe row that really returns 7 values. A model that meets
 * it but answers NaN/Inf for the probe row passes here and fails `finite`, where that belongs.
 */
export function checkContract(
  violations: ContractViolation[],
  signature: ModelSignature,
  metadata: ModelMetadata,
): Verdict {
  // loadModel lists every static violation at once; a probe violation only comes when there are none.
  return {
    status: violations.length === 0 ? 'passed' : 'failed',
    summary:
      violations.length === 0
        ? `1 float32 input [N, 6], output float32 [N, 7], features/targets ${
            metadata.features || metadata.targets ? 'from metadata' : 'in canonical order'
          }`
        : violations.map((v) => v.message).join('; '),
    details: { violations, signature, columnOrder: columnOrder(metadata) },
  };
}

export const contractCheck = defineCheck({
  id: 'contract',
  order: 40,
  needs: ['bytes', 'onnx', 'loaded'],
  provides: { inference: noInference, model: noInference },
  run: ({ loaded }) => {
    const verdict = checkContract(loaded.violations, loaded.signature, loaded.metadata);
    const { model, nonFinite } = loaded;
    if (model) return { ...verdict, provides: { inference: { model }, model } };
    if (nonFinite !== undefined) {
      return {
        ...verdict,
        provides: { inference: { nonFinite } },
        absent: { model: 'no inference: the model returns NaN/Inf' },
      };
    }
    return verdict;
  },
});
