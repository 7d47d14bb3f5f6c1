import type { Command } from 'commander';
import { registerCommand } from './promote.js';

/** `hypermob rollback [--to N]`: see ./promote.ts. */
export const registerRollback = (program: Command) => registerCommand(program, 'rollback');
