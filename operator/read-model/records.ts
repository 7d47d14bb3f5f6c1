import { z } from 'zod';
import { OUTCOME_STATUSES } from '../../functions/rollout/shared/lineage.js';

/**
 * What the operator reads from the model bucket, parsed at the boundary: the lineage records
 * (`rollouts/<execution>.json`, written by functions/rollout/shared/lineage.ts) and the validation
 * reports (`reports/<execution>.json`, functions/rollout/validate/report.ts). Loose objects: a field
 * the pipeline adds later never breaks a reader, and only the fields shown here are relied on.
 */

const weightChangeSchema = z.looseObject({
  at: z.string(),
  primary: z.string(),
  candidate: z.string().optional(),
  weight: z.number(),
  reason: z.string(),
});

/** Gate decisions are pass / extend / rollback; an automatic experiment's looks add others. */
const gateSchema = z.looseObject({
  at: z.string(),
  step: z.number(),
  weight: z.number(),
  decision: z.string(),
  reasons: z.array(z.string()).default([]),
  evidence: z.unknown().optional(),
});

/** One look of an automatic A/B experiment (functions/rollout/shared/lineage.ts, LookRecord). */
const lookSchema = z.looseObject({
  at: z.string(),
  look: z.number(),
  of: z.number(),
  decision: z.string(),
  reasons: z.array(z.string()).default([]),
  readout: z.unknown().optional(),
});

export const outcomeStatusSchema = z.enum(OUTCOME_STATUSES);
export type OutcomeStatus = z.infer<typeof outcomeStatusSchema>;

export const lineageSchema = z.looseObject({
  execution: z.string(),
  kind: z.enum(['upload', 'command']),
  startedAt: z.string(),
  updatedAt: z.string(),
  model: z
    .looseObject({
      bucket: z.string(),
      key: z.string(),
      size: z.number().optional(),
      etag: z.string().optional(),
      versionId: z.string().optional(),
      sha256: z.string().optional(),
    })
    .optional(),
  plan: z
    .looseObject({
      strategy: z.string(),
      parameters: z.record(z.string(), z.unknown()).default({}),
      schedule: z.array(z.number()).default([]),
      intervalSeconds: z.number().default(0),
      hold: z.boolean().default(false),
    })
    .optional(),
  validation: z.looseObject({ reportKey: z.string().optional(), passed: z.boolean().optional() }).optional(),
  release: z.looseObject({ version: z.string(), pinnedKey: z.string(), reused: z.boolean() }).optional(),
  command: z
    .looseObject({
      command: z.string(),
      version: z.string().optional(),
      before: z
        .looseObject({
          primary: z.string(),
          candidate: z.looseObject({ version: z.string(), weight: z.number() }).optional(),
        })
        .optional(),
      after: z.looseObject({ primary: z.string() }).optional(),
    })
    .optional(),
  weights: z.array(weightChangeSchema).default([]),
  gates: z.array(gateSchema).default([]),
  outcome: z.looseObject({
    status: outcomeStatusSchema,
    at: z.string(),
    error: z.string().optional(),
    cause: z.string().optional(),
    by: z.string().optional(),
  }),
  /** An automatic experiment's looks (A/B with decide=auto): the last one is its readout. */
  looks: z.array(lookSchema).default([]),
});
export type Lineage = z.infer<typeof lineageSchema>;
export type LineageGate = Lineage['gates'][number];
export type LineageWeight = Lineage['weights'][number];
export type LineageLook = Lineage['looks'][number];

const checkSchema = z.looseObject({
  name: z.string(),
  status: z.enum(['passed', 'failed', 'skipped']),
  summary: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type ReportCheck = z.infer<typeof checkSchema>;

const metadataSchema = z.record(z.string(), z.string());

export const reportSchema = z.looseObject({
  executionName: z.string(),
  generatedAt: z.string(),
  passed: z.boolean(),
  failed: z.array(z.string()).default([]),
  cause: z.string().optional(),
  model: z.looseObject({
    bucket: z.string(),
    key: z.string(),
    size: z.number().optional(),
    sha256: z.string().optional(),
    etag: z.string().optional(),
    metadata: metadataSchema.optional(),
  }),
  live: z
    .looseObject({
      version: z.string().optional(),
      sha256: z.string().optional(),
      compared: z.boolean().optional(),
      reason: z.string().optional(),
      sameBytes: z.boolean().optional(),
    })
    .optional(),
  signatureDiff: z
    .array(z.looseObject({ path: z.string(), live: z.unknown(), candidate: z.unknown() }))
    .nullable()
    .default(null),
  thresholds: z.record(z.string(), z.number()).optional(),
  checks: z.array(checkSchema),
});
export type Report = z.infer<typeof reportSchema>;

/** A record or report that is not what the pipeline writes (hand-edited, truncated, another tool's). */
export class MalformedRecordError extends Error {
  override name = 'MalformedRecord';
}

export function parseRecord<T>(schema: z.ZodType<T>, key: string, text: string): T {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new MalformedRecordError(`${key} is not JSON: ${(err as Error).message}`);
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new MalformedRecordError(`${key} is malformed: ${problems.slice(0, 3).join('; ')}`);
}
