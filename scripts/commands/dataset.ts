import { writeFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { z } from 'zod';
import {
  DEFAULT_GOLDEN,
  DEFAULT_SEED,
  DEFAULT_TRAIN,
  generateDatasets,
  serializeDataset,
} from '../dataset/generate.js';

export const TEMPLATE_PATH = fileURLToPath(
  new URL('../../functions/recommend/json_template.json', import.meta.url),
);
export const GOLDEN_PATH = fileURLToPath(
  new URL('../../functions/shared/data/golden_set.json', import.meta.url),
);

const count = z.coerce.number().int().positive();
const optionsSchema = z.object({
  seed: z.coerce.number().int().min(0).max(0xffff_ffff),
  train: count,
  golden: count,
  report: z.boolean().optional(),
});

/**
 * `hypermob dataset`: (re)writes the training template and the golden set (docs/domain.md §4). The
 * generator is small and names the option defaults; the noise report (it trains models) loads only
 * for `--report`.
 */
export function registerDataset(program: Command): void {
  program
    .command('dataset')
    .description('generate functions/recommend/json_template.json and functions/shared/data/golden_set.json')
    .option('--seed <n>', 'random seed', String(DEFAULT_SEED))
    .option('--train <n>', 'training records', String(DEFAULT_TRAIN))
    .option('--golden <n>', 'golden (validation) records, stature tails included', String(DEFAULT_GOLDEN))
    .option('--report', 'also print the noise table of docs/dataset.md (slower: Monte Carlo)')
    .action(async (raw: unknown) => {
      const parsed = optionsSchema.safeParse(raw);
      if (!parsed.success) throw new Error(`dataset: ${z.prettifyError(parsed.error)}`);
      const opts = parsed.data;
      const { training, golden, goldenTails } = generateDatasets(opts);
      const templateJson = serializeDataset(training);
      const goldenJson = serializeDataset(golden);
      await writeFile(TEMPLATE_PATH, templateJson);
      await writeFile(GOLDEN_PATH, goldenJson);
      console.log(`seed ${opts.seed}`);
      console.log(
        `${relative(process.cwd(), TEMPLATE_PATH)}: ${training.records.length} records, ${templateJson.length} bytes`,
      );
      console.log(
        `${relative(process.cwd(), GOLDEN_PATH)}: ${golden.records.length} records (${goldenTails} stature tails), ${goldenJson.length} bytes`,
      );
      if (opts.report) {
        const { formatNoiseReport, noiseReport } = await import('../dataset/noise-report.js');
        console.log(formatNoiseReport(noiseReport(training, golden, opts.seed)));
      }
    });
}
