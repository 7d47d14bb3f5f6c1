import type { Command } from 'commander';
import { registerCommand } from './promote.js';

/** `hypermob abort`: see ./promote.ts. */
export const registerAbort = (program: Command) => registerCommand(program, 'abort');
