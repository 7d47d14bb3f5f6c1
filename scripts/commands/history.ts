import type { Command } from 'commander';
import { z } from 'zod';
import { action, addTargetOptions, parseOptions, targetOptions } from '../../operator/cli/run.js';

/** `hypermob history [--json] [--limit N]`: past rollouts and commands from the lineage records. */
const optionsSchema = z.object({
  limit: z.coerce.number({ error: 'must be a whole number' }).int().positive().max(1000).default(20),
});

export function registerHistory(program: Command): void {
  const cmd = program
    .command('history')
    .description('past rollouts, one line each: time, model, strategy, outcome, reason')
    .option('--limit <n>', 'how many, newest first', '20')
    .option('--json', 'print the read model’s history as JSON');
  addTargetOptions(cmd).action(
    action(async (o: Record<string, unknown>) => {
      const { limit } = parseOptions(optionsSchema, o);
      const [{ connect }, { history }, { renderHistory }, { paintFor }] = await Promise.all([
        import('../../operator/read-model/connect.js'),
        import('../../operator/read-model/history.js'),
        import('../../operator/render/history.js'),
        import('../../operator/render/paint.js'),
      ]);
      const view = await history(await connect(targetOptions(o)), { limit });
      console.log(o.json ? JSON.stringify(view, null, 2) : renderHistory(view, paintFor(process.stdout)));
      return 0;
    }),
  );
}
