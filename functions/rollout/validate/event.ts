import { z } from 'zod';

/**
 * The validate task's input and output, the contract with the state machine
 * (statemachines/model-rollout.asl.json: InputPath `$.plan.validateInput`, ResultPath `$.validation`).
 */
export const validateInputSchema = z.object({
  bucket: z.string().min(1),
  key: z.string().min(1),
  /** Size from the S3 event; informational (the object's ContentLength is what is judged). */
  size: z.number().int().nonnegative().optional(),
  etag: z.string().optional(),
  /** Set on a versioned bucket: validation reads exactly this version. */
  versionId: z.string().optional(),
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
