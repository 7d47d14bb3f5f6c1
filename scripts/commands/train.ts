import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { z } from 'zod';
import { MODEL_KINDS } from '../../functions/shared/model/kinds.js';

const DEFAULT_DATA = fileURLToPath(new URL('../../functions/recommend/json_template.json', import.meta.url));

const optionsSchema = z.object({
  out: z.string().min(1, '--out must name a file'),
  data: z.string().min(1),
  name: z.string().min(1).max(200).optional(),
  kind: z.enum(MODEL_KINDS).optional(),
});

/**
 * `hypermob train`: fits the seat-fit model on a template file and writes it as ONNX. The trainer
 * (and onnx-proto behind it) loads only when the command runs, not for `hypermob --help`.
 */
export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('train the seat-fit model on a dataset file and write it as ONNX (docs/model-contract.md)')
    .requiredOption('--out <file>', 'where to write the .onnx model')
    .option('--data <file>', 'training dataset (json_template.json format)', DEFAULT_DATA)
    .option('--name <name>', 'model_name written into the metadata')
    .option('--kind <kind>', `model kind: ${MODEL_KINDS.join(', ')} (default: the cross-validated choice)`)
    .action(async (raw: unknown) => {
      const parsed = optionsSchema.safeParse(raw);
      if (!parsed.success) throw new Error(`invalid arguments:\n${z.prettifyError(parsed.error)}`);
      const opts = parsed.data;
      const [{ TARGETS, UNITS }, { parseDataset, toMatrices }, { rmsePerTarget }, { trainModel }] =
        await Promise.all([
          import('../../functions/shared/contract.js'),
          import('../../functions/shared/dataset.js'),
          import('../../functions/shared/model/evaluate.js'),
          import('../../functions/shared/model/trainer.js'),
        ]);
      const bytes = await readFile(opts.data).catch((err: NodeJS.ErrnoException) => {
        throw new Error(`cannot read data file ${opts.data}: ${err.code ?? err.message}`);
      });
      let dataset: ReturnType<typeof parseDataset>;
      try {
        dataset = parseDataset(JSON.parse(bytes.toString('utf8')));
      } catch (err) {
        // JSON syntax errors and InvalidDatasetError (zod's prettified issues) both read well as is.
        throw new Error(`invalid data file ${opts.data}: ${(err as Error).message}`);
      }
      const model = trainModel(dataset, {
        modelName: opts.name,
        kind: opts.kind,
        trainingDataSha256: createHash('sha256').update(bytes).digest('hex'),
      });
      await writeFile(opts.out, model.onnx);

      const { x, y } = toMatrices(dataset);
      const rmse = rmsePerTarget(model.predict(x), y);
      console.log(`kind    ${model.kind}`);
      console.log(`rows    ${x.length}`);
      console.log('training RMSE');
      TARGETS.forEach((t, i) => {
        console.log(`  ${t.padEnd(15)} ${(rmse[i] as number).toFixed(2)} ${UNITS[t]}`);
      });
      console.log(`wrote   ${opts.out} (${model.onnx.length} bytes)`);
      console.log(`sha256  ${createHash('sha256').update(model.onnx).digest('hex')}`);
    });
}
