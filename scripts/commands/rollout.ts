import type { Command } from 'commander';
import { z } from 'zod';
import { action, addTargetOptions, parseOptions, targetOptions } from '../../operator/cli/run.js';

/**
 * `hypermob rollout promote|abort|rollback [--version N]`: the earlier spelling of `hypermob
 * promote`, `abort` and `rollback [--to N]` (./promote.ts), kept working; it says so on stderr.
 */
const optionsSchema = z.looseObject({
  command: z.enum(['promote', 'abort', 'rollback'], { error: 'must be promote, abort or rollback' }),
  version: z.string().regex(/^\d+$/, 'must be a published version number').optional(),
  timeout: z.coerce.number().positive().default(120),
});

export function registerRollout(program: Command): void {
  const cmd = program
    .command('rollout')
    .description('promote, abort or roll back (now also: hypermob promote | abort | rollback)')
    .argument('<command>', 'promote | abort | rollback')
    .option('--version <n>', 'rollback: the version to make live (as rollback --to)')
    .option('--timeout <seconds>', 'how long to wait for the outcome', '120');
  addTargetOptions(cmd).action(
    action(async (name: string, raw: Record<string, unknown>) => {
      const o = parseOptions(optionsSchema, { ...raw, command: name });
      if (o.version && o.command !== 'rollback')
        throw new (await import('../../operator/errors.js')).UsageError('--version only applies to rollback');
      console.error(
        `hypermob: "rollout ${o.command}" is now "hypermob ${o.command}${o.version ? ` --to ${o.version}` : ''}"`,
      );
      const { runCommand } = await import('../../operator/actions/command-command.js');
      return runCommand(o.command, targetOptions(raw), {
        ...(o.version ? { version: o.version } : {}),
        timeout: o.timeout,
      });
    }),
  );
}
