import type { Command } from 'commander';
import { action, addTargetOptions, targetOptions } from '../../operator/cli/run.js';

/** `hypermob status [--json]`: alias live, recent versions and the rollout in flight. */
export function registerStatus(program: Command): void {
  const cmd = program
    .command('status')
    .description('alias live, the recent versions and the rollout in flight')
    .option('--json', 'print the read model’s status as JSON');
  addTargetOptions(cmd).action(
    action(async (o: Record<string, unknown>) => {
      const [{ connect }, { status }, { renderStatus }, { paintFor }] = await Promise.all([
        import('../../operator/read-model/connect.js'),
        import('../../operator/read-model/status.js'),
        import('../../operator/render/status.js'),
        import('../../operator/render/paint.js'),
      ]);
      const view = await status(await connect(targetOptions(o)));
      console.log(o.json ? JSON.stringify(view, null, 2) : renderStatus(view, paintFor(process.stdout)));
      return 0;
    }),
  );
}
