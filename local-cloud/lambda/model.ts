import { z } from 'zod';

/**
 * What the local Lambda control plane stores: per function its `$LATEST` configuration, the
 * immutable published versions and the aliases. Persisted as one JSON document (state.json).
 */
export const functionConfigSchema = z.object({
  version: z.string(),
  handler: z.string(),
  environment: z.record(z.string(), z.string()),
  memoryMb: z.number().int(),
  timeoutSeconds: z.number().int(),
  description: z.string(),
  /** base64 sha256 of the bundle, as Lambda's CodeSha256. */
  codeSha256: z.string(),
  codeSize: z.number().int(),
  /** Content-addressed snapshot of the bundle, relative to the lambda data dir (`code/<hex>`). */
  codeDir: z.string(),
  revisionId: z.string(),
  lastModified: z.string(),
  /** Epoch ms when a just-published version turns Active (AWS-like timing); absent: Active. */
  activeAt: z.number().optional(),
});
export type FunctionConfig = z.infer<typeof functionConfigSchema>;

export const aliasSchema = z.object({
  name: z.string(),
  functionVersion: z.string(),
  description: z.string(),
  /** RoutingConfig.AdditionalVersionWeights: version → share of traffic (0–1). */
  weights: z.record(z.string(), z.number()),
  revisionId: z.string(),
});
export type Alias = z.infer<typeof aliasSchema>;

export const functionRecordSchema = z.object({
  name: z.string(),
  latest: functionConfigSchema,
  /** Epoch ms when the last configuration update finishes; before it LastUpdateStatus is InProgress. */
  updateCompletesAt: z.number(),
  /** $LATEST before the update in progress: what invocations run until the update completes. */
  previousLatest: functionConfigSchema.optional(),
  versions: z.array(functionConfigSchema),
  nextVersion: z.number().int(),
  aliases: z.record(z.string(), aliasSchema),
});
export type FunctionRecord = z.infer<typeof functionRecordSchema>;

export const stateSchema = z.object({
  formatVersion: z.literal(1),
  functions: z.record(z.string(), functionRecordSchema),
});
export type LambdaState = z.infer<typeof stateSchema>;

export const emptyState = (): LambdaState => ({ formatVersion: 1, functions: {} });

export const LATEST = '$LATEST';
