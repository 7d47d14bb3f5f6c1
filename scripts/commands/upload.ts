import path from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { STRATEGY_NAMES } from '../../functions/rollout/strategies/index.js';
import { parameterFlags } from '../../operator/actions/strategy-flags.js';
import { action, addTargetOptions, parseOptions, targetOptions } from '../../operator/cli/run.js';
import { PIPELINE_PREFIXES, UPLOAD_SUFFIX } from '../../system/manifest.js';

/**
 * `hypermob upload <model.onnx>`: refuses a file that is not ONNX, validates it locally, uploads it
 * with the strategy in its metadata and follows the execution it started to its outcome
 * (docs/operator.md). The strategy flags are the strategies' own parameters.
 */
const optionsSchema = z.looseObject({
  key: z
    .string()
    .refine((k) => k.endsWith(UPLOAD_SUFFIX), `the key must end in ${UPLOAD_SUFFIX} to start a rollout`)
    .refine(
      (k) => !PIPELINE_PREFIXES.some((p) => k.startsWith(p)),
      `the key must not be under ${PIPELINE_PREFIXES.join(', ')}`,
    )
    .optional(),
  strategy: z
    .enum(STRATEGY_NAMES, { error: `must be one of ${STRATEGY_NAMES.join(', ')}` })
    .default('canary'),
  wait: z.boolean().default(true),
  localValidation: z.boolean().default(true),
  timeout: z.coerce.number().positive().optional(),
});

export function registerUpload(program: Command): void {
  const cmd = program
    .command('upload')
    .description('validate a model locally, upload it with a rollout strategy and follow its rollout')
    .argument('<model>', 'the ONNX model file')
    .option('--key <key>', 'object key in the model bucket (default: the file name)')
    .option('--strategy <name>', `rollout strategy: ${STRATEGY_NAMES.join(' | ')}`, 'canary');
  for (const p of parameterFlags())
    cmd.option(`--${p.flag} <value>`, `strategy parameter (${p.strategies.join(', ')})`);
  cmd
    .option('--no-wait', 'upload and name the execution, without following it')
    .option('--skip-local-validation', 'upload without running the validation checks here first')
    .option('--timeout <seconds>', 'stop following after this long (exit 10; the rollout goes on)');
  addTargetOptions(cmd).action(
    action(async (file: string, raw: Record<string, unknown>) => {
      const opts = parseOptions(optionsSchema, { ...raw, localValidation: !raw.skipLocalValidation });
      const { upload } = await import('../../operator/actions/upload-command.js');
      return upload(file, { ...opts, key: opts.key ?? path.basename(file) }, raw, targetOptions(raw));
    }),
  );
}
