import type { Command } from 'commander';
import { action, addTargetOptions, targetOptions } from '../../operator/cli/run.js';

/** `hypermob report <execution|latest> [--json]`: a validation report with its checks and signature diff. */
export function registerReport(program: Command): void {
  const cmd = program
    .command('report')
    .description('a validation report: each check with its figures, the signature diff against live')
    .argument('<execution>', 'execution name or ARN, or latest')
    .option('--json', 'print the report as JSON');
  addTargetOptions(cmd).action(
    action(async (execution: string, o: Record<string, unknown>) => {
      const [{ connect }, { report }, { renderReport }, { paintFor }] = await Promise.all([
        import('../../operator/read-model/connect.js'),
        import('../../operator/read-model/report.js'),
        import('../../operator/render/report.js'),
        import('../../operator/render/paint.js'),
      ]);
      const view = await report(await connect(targetOptions(o)), execution);
      console.log(o.json ? JSON.stringify(view, null, 2) : renderReport(view, paintFor(process.stdout)));
      return 0;
    }),
  );
}
