import { z } from 'zod';
import { FEATURES, TARGETS } from './contract.js';

/**
 * The training template / golden set file format (functions/recommend/json_template.json and the
 * golden set under the bucket's `golden/` prefix). Records are flat objects: features in cm and
 * targets in their units (see contract.ts).
 */
const recordSchema = z.record(z.string(), z.number().refine(Number.isFinite, 'must be finite'));

export const datasetSchema = z
  .object({
    schema_version: z.literal(1),
    features: z.array(z.string()).min(1),
    targets: z.array(z.string()).min(1),
    units: z.record(z.string(), z.string()),
    reference_vehicle: z.record(z.string(), z.unknown()),
    records: z.array(recordSchema).min(1),
  })
  .superRefine((d, ctx) => {
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
  });

export type Dataset = z.infer<typeof datasetSchema>;

export function parseDataset(json: unknown): Dataset {
  return datasetSchema.parse(json);
}

/** Rows as number matrices in the canonical contract order (FEATURES / TARGETS). */
export function toMatrices(d: Dataset): { x: number[][]; y: number[][] } {
  const x = d.records.map((r) => FEATURES.map((f) => r[f] as number));
  const y = d.records.map((r) => TARGETS.map((t) => r[t] as number));
  return { x, y };
}
