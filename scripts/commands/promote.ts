import type { Command } from 'commander';
import { z } from 'zod';
import { action, addTargetOptions, parseOptions, targetOptions } from '../../operator/cli/run.js';

/**
 * `hypermob promote | abort | rollback [--to N]`: a command execution of the rollout state machine
 * (docs/rollout.md, "Commands"), followed to its outcome. One file for the three: they differ only
 * in the command's name and rollback's --to.
 */
const optionsSchema = z.looseObject({
  to: z.string().regex(/^\d+$/, 'must be a published version number, e.g. 3').optional(),
  timeout: z.coerce.number().positive().default(120),
});

const COMMANDS = {
  promote: 'make the candidate 100 % live (ends an A/B experiment or a canary now)',
  abort: 'remove the candidate’s weight; the primary keeps serving',
  rollback:
    'make an earlier live version 100 % live (never a rejected, aborted or rolled-back one, unless --to names it)',
} as const;

export function registerCommand(program: Command, name: keyof typeof COMMANDS): void {
  const cmd = program.command(name).description(COMMANDS[name]);
  if (name === 'rollback')
    cmd.option('--to <version>', 'the version to make live (default: walk back the live history)');
  cmd.option('--timeout <seconds>', 'how long to follow the command (exit 10 after)', '120');
  addTargetOptions(cmd).action(
    action(async (o: Record<string, unknown>) => {
      const { to, timeout } = parseOptions(optionsSchema, o);
      const { runCommand } = await import('../../operator/actions/command-command.js');
      return runCommand(name, targetOptions(o), { ...(to ? { version: to } : {}), timeout });
    }),
  );
}

export const registerPromote = (program: Command) => registerCommand(program, 'promote');
