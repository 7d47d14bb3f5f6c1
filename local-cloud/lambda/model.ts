import { z } from 'zod';

/**
 * A map keyed by names the API's callers choose (functions, aliases, variables, versions): a
 * null-prototype object, so `__proto__`, `constructor` or `toString` are keys like any other — a
 * plain object would answer them from Object.prototype, and zod's record drops `__proto__`.
 */
export function nameMap<T>(entries: Iterable<[string, T]> = []): Record<string, T> {
  const map: Record<string, T> = Object.create(null);
  for (const [k, v] of entries) map[k] = v;
  return map;
}

export const nameMapSchema = <T extends z.ZodType>(value: T) =>
  z
    .custom<Record<string, unknown>>((v) => typeof v === 'object' && v !== null && !Array.isArray(v))
    .transform((raw, ctx): Record<string, z.output<T>> => {
      const out = nameMap<z.output<T>>();
      for (const [k, v] of Object.entries(raw)) {
        const parsed = value.safeParse(v);
        if (!parsed.success) {
          ctx.addIssue({ code: 'custom', message: parsed.error.issues[0]?.message ?? 'invalid', path: [k] });
          return z.NEVER;
        }
        out[k] = parsed.data as z.output<T>;
      }
      return out;
    });

/**
 * What the local Lambda control plane stores: per function its `$LATEST` configuration, the
 * immutable published versions and the aliases. Persisted as one JSON document (state.json).
 */
export const functionConfigSchema = z.object({
  version: z.string(),
  handler: z.string(),
  environment: nameMapSchema(z.string()),
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
  weights: nameMapSchema(z.number()),
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
  aliases: nameMapSchema(aliasSchema),
});
export type FunctionRecord = z.infer<typeof functionRecordSchema>;

export const stateSchema = z.object({
  formatVersion: z.literal(1),
  functions: nameMapSchema(functionRecordSchema),
});
export type LambdaState = z.infer<typeof stateSchema>;

export const emptyState = (): LambdaState => ({ formatVersion: 1, functions: nameMap() });

export const LATEST = '$LATEST';
