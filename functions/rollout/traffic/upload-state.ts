import { z } from 'zod';
import {
  errorInfoSchema,
  planSchema,
  progressSchema,
  releaseSchema,
  supersedeSchema,
  validationSchema,
} from '../shared/state.js';

/** The upload branch's state data (`$`), as the traffic steps read it. */
export const uploadStateSchema = z.object({
  plan: planSchema,
  validation: validationSchema.optional(),
  release: releaseSchema.optional(),
  supersede: supersedeSchema.optional(),
  progress: progressSchema.optional(),
  error: errorInfoSchema.optional(),
});
export type UploadState = z.infer<typeof uploadStateSchema>;

export function parseUploadState(state: unknown): UploadState {
  return uploadStateSchema.parse(state);
}

export function requireField<T>(value: T | undefined, what: string): T {
  if (value === undefined)
    throw new Error(`state machine data lacks ${what}; the ASL and the functions disagree`);
  return value;
}
