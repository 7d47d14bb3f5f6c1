import { z } from 'zod';
import { modelRefSchema } from '../shared/state.js';

/**
 * The validate task's input and output, the contract with the state machine
 * (statemachines/model-rollout.asl.json: InputPath `$.plan.validateInput`, ResultPath `$.validation`).
 */
export const validateInputSchema = modelRefSchema.extend({
  /** Names the report: reports/<executionName>.json. */
  executionName: z.string().regex(/^[^\s/\\]{1,80}$/, 'must be an execution name (1–80 characters, no "/")'),
});
export type ValidateInput = z.infer<typeof validateInputSchema>;

/** Returned when every check passed; a rejection throws ModelRejectedError instead. */
export interface ValidateOutput {
  passed: true;
  bucket: string;
  key: string;
  /** The S3 version read (from the input, or the object's current version on a versioned bucket). */
  versionId?: string;
  etag?: string;
  /** sha256 (lowercase hex) and size of the exact bytes validated: what the release step pins. */
  sha256: string;
  size: number;
  reportKey: string;
  summary: {
    /** Check name → passed | skipped. */
    checks: Record<string, string>;
    /** Mean over targets of golden RMSE / noise floor (1.0 ≈ as good as the data allows). */
    headline: number;
    liveHeadline?: number;
    /** Live version compared with, or null on the first rollout / when unavailable. */
    liveVersion: string | null;
    sameBytesAsLive: boolean;
  };
}
