import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { FEATURES, TARGETS } from './contract.js';

/**
 * The training template / golden set file format (functions/recommend/json_template.json and the
 * golden set under the bucket's `golden/` prefix). Records are flat objects: features in cm and
 * targets in their units (see contract.ts).
 *
 * zod/mini, like the recommend function's other schemas: the fallback path bundles this module,
 * and classic zod would add ~450 kB to parse on every cold start. mini keeps no locale, so the
 * English messages are passed to parse.
 */
const englishErrors = en().localeError;

const recordSchema = z.record(z.string(), z.number().check(z.refine(Number.isFinite, 'must be finite')));

export const datasetSchema = z
  .object({
    schema_version: z.literal(1),
    features: z.array(z.string()).check(z.minLength(1)),
    targets: z.array(z.string()).check(z.minLength(1)),
    units: z.record(z.string(), z.string()),
    reference_vehicle: z.record(z.string(), z.unknown()),
    records: z.array(recordSchema).check(z.minLength(1)),
  })
  .check(
    z.superRefine((d, ctx) => {
      for (const name of [...d.features, ...d.targets]) {
        const missing = d.records.findIndex((r) => r[name] === undefined);
        if (missing >= 0) {
          ctx.addIssue({
            code: 'custom',
            message: `record ${missing} has no "${name}"`,
            path: ['records', missing],
          });
          return;
        }
      }
    }),
  );

export type Dataset = z.infer<typeof datasetSchema>;

/** The file is not a dataset; the message lists every problem as zod's prettified text. */
export class InvalidDatasetError extends Error {
  override name = 'InvalidDataset';
  constructor(readonly issues: z.core.$ZodIssue[]) {
    super(z.prettifyError({ issues } as z.core.$ZodError));
  }
}

export function parseDataset(json: unknown): Dataset {
  const parsed = datasetSchema.safeParse(json, { error: englishErrors });
  if (!parsed.success) throw new InvalidDatasetError(parsed.error.issues);
  return parsed.data;
}

/** Rows as number matrices in the canonical contract order (FEATURES / TARGETS). */
export function toMatrices(d: Dataset): { x: number[][]; y: number[][] } {
  const x = d.records.map((r) => FEATURES.map((f) => r[f] as number));
  const y = d.records.map((r) => TARGETS.map((t) => r[t] as number));
  return { x, y };
}
