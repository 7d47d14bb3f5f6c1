import type { Command } from 'commander';
import { z } from 'zod';
import { ROLLOUT_STATE_MACHINE_NAME } from '../../system/manifest.js';

/**
 * `hypermob rollout promote|abort|rollback [--version N]`: starts a command execution of the
 * rollout state machine (docs/rollout.md, "Commands") on the endpoint the SDK is configured for
 * (AWS_ENDPOINT_URL for the local cloud) and waits for its outcome. The AWS SDK and the rollout
 * schemas load only when the command runs, not for `hypermob --help`.
 */
const optionsSchema = z.object({
  version: z.string().regex(/^\d+$/, '--version must be a published version number').optional(),
  timeout: z.coerce.number().positive().default(120),
});

export function registerRollout(program: Command): void {
  program
    .command('rollout')
    .description('promote, abort or roll back the model rollout on alias live')
    .argument('<command>', 'promote | abort | rollback')
    .option('--version <n>', 'rollback: the version to make live (default: the previous live version)')
    .option('--timeout <seconds>', 'how long to wait for the outcome', '120')
    .action(async (name: string, raw: unknown) => {
      const [
        { DescribeExecutionCommand, ListStateMachinesCommand, StartExecutionCommand },
        { sfn },
        { commandSchema },
      ] = await Promise.all([
        import('@aws-sdk/client-sfn'),
        import('../../functions/shared/aws-clients.js'),
        import('../../functions/rollout/shared/state.js'),
      ]);
      const opts = optionsSchema.parse(raw);
      const input = commandSchema.parse({
        command: name,
        ...(opts.version ? { version: opts.version } : {}),
      });
      if (input.version && input.command !== 'rollback')
        throw new Error('--version only applies to rollback');

      let arn: string | undefined;
      let nextToken: string | undefined;
      do {
        const page = await sfn().send(new ListStateMachinesCommand({ nextToken }));
        arn = page.stateMachines?.find((m) => m.name === ROLLOUT_STATE_MACHINE_NAME)?.stateMachineArn;
        nextToken = page.nextToken;
      } while (!arn && nextToken);
      if (!arn)
        throw new Error(`state machine ${ROLLOUT_STATE_MACHINE_NAME} not found (is AWS_ENDPOINT_URL set?)`);

      const started = await sfn().send(
        new StartExecutionCommand({ stateMachineArn: arn, input: JSON.stringify(input) }),
      );
      const deadline = Date.now() + opts.timeout * 1000;
      for (;;) {
        const d = await sfn().send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
        if (d.status === 'SUCCEEDED') {
          console.log(d.output ?? '{}');
          return;
        }
        if (d.status !== 'RUNNING') throw new Error(`${input.command} ${d.status}: ${d.error} — ${d.cause}`);
        if (Date.now() > deadline) throw new Error(`${started.executionArn} still running`);
        await new Promise((r) => setTimeout(r, 200));
      }
    });
}
