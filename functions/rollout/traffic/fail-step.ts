import { z } from 'zod';
import { type OutcomeStatus, patchLineage, withOutcome } from '../shared/lineage.js';
import { updateLineage } from '../shared/lineage-store.js';
import type { ExecutionContext } from '../shared/state.js';
import { errorInfoSchema, planSchema, releaseSchema, validationSchema } from '../shared/state.js';

const failureStateSchema = z.object({
  detail: z.object({ bucket: z.object({ name: z.string() }) }).optional(),
  plan: planSchema.optional(),
  validation: validationSchema.optional(),
  release: releaseSchema.optional(),
  error: errorInfoSchema,
});

const STATUS: Record<string, OutcomeStatus> = {
  ModelRejected: 'rejected',
  BadRolloutRequest: 'rejected',
  Superseded: 'superseded',
};

/** Before traffic moved: note why the execution fails in its lineage; the Fail state follows. */
export async function failStep(state: unknown, execution: ExecutionContext, bucketFallback: string) {
  const s = failureStateSchema.parse(state);
  const bucket = s.plan?.model.bucket ?? s.detail?.bucket.name ?? bucketFallback;
  const at = new Date().toISOString();
  const status = STATUS[s.error.Error] ?? 'failed';
  await updateLineage(bucket, execution.name, 'upload', (r) => {
    // The validate function writes reports/<execution>.json before it rejects a model.
    const validation = s.validation
      ? { reportKey: s.validation.reportKey, passed: s.validation.passed }
      : s.error.Error === 'ModelRejected' && !s.release
        ? { reportKey: `reports/${execution.name}.json`, passed: false }
        : undefined;
    const withValidation = validation ? patchLineage(r, at, { validation }) : r;
    return withOutcome(withValidation, at, {
      status,
      error: s.error.Error,
      ...(s.error.Cause ? { cause: s.error.Cause.slice(0, 8000) } : {}),
    });
  });
  return { status };
}
