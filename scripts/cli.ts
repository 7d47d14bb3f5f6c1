import { Command } from 'commander';
import { registerAbort } from './commands/abort.js';
import { registerDashboard } from './commands/dashboard.js';
import { registerDataset } from './commands/dataset.js';
import { registerExperiment } from './commands/experiment.js';
import { registerHistory } from './commands/history.js';
import { registerLocal } from './commands/local.js';
import { registerPromote } from './commands/promote.js';
import { registerReport } from './commands/report.js';
import { registerRollback } from './commands/rollback.js';
import { registerRollout } from './commands/rollout.js';
import { registerSimulate } from './commands/simulate.js';
import { registerStatus } from './commands/status.js';
import { registerTrain } from './commands/train.js';
import { registerUpload } from './commands/upload.js';
import { registerValidate } from './commands/validate.js';
import { registerWatch } from './commands/watch.js';

/**
 * `hypermob <command>`: one file per command under scripts/commands, each exporting a
 * `register…(program)` that declares its options and imports its heavy code inside the action, so
 * `--help` and every command load only what they use (test/integration/cli-lazy-loading.test.ts).
 * Errors print a message and exit non-zero.
 */
const program = new Command('hypermob').description('hypermob-recommend tools').showHelpAfterError();

registerDashboard(program);
registerDataset(program);
registerExperiment(program);
registerLocal(program);
registerRollout(program);
registerSimulate(program);
registerTrain(program);
// The operator's commands (docs/operator.md).
registerUpload(program);
registerValidate(program);
registerStatus(program);
registerWatch(program);
registerHistory(program);
registerReport(program);
registerPromote(program);
registerAbort(program);
registerRollback(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(`hypermob: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
