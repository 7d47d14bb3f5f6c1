import type { Command } from 'commander';
import { z } from 'zod';
import { action, addTargetOptions, parseOptions, targetOptions } from '../../operator/cli/run.js';

/** `hypermob watch [execution]`: follows the rollout in flight, or the given execution, like upload. */
const optionsSchema = z.looseObject({ timeout: z.coerce.number().positive().optional() });

export function registerWatch(program: Command): void {
  const cmd = program
    .command('watch')
    .description('follow the rollout in flight (or the given execution) to its outcome')
    .argument('[execution]', 'execution name or ARN (default: the rollout in flight)')
    .option('--timeout <seconds>', 'stop following after this long (exit 10)');
  addTargetOptions(cmd).action(
    action(async (execution: string | undefined, o: Record<string, unknown>) => {
      const { timeout } = parseOptions(optionsSchema, o);
      const { watch } = await import('../../operator/actions/watch-command.js');
      return watch(execution, targetOptions(o), timeout);
    }),
  );
}
