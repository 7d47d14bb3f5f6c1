import {
  DescribeExecutionCommand,
  ListStateMachinesCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { Command } from 'commander';
import { z } from 'zod';
import { commandSchema } from '../../functions/rollout/shared/state.js';
import { sfn } from '../../functions/shared/aws-clients.js';
import { ROLLOUT_STATE_MACHINE_NAME } from '../../statemachines/rollout-trigger.js';

/**
 * `hypermob rollout promote|abort|rollback [--version N]`: starts a command execution of the
 * rollout state machine (docs/rollout.md, "Commands") on the endpoint the SDK is configured for
 * (AWS_ENDPOINT_URL for the local cloud) and waits for its outcome.
 */
const optionsSchema = z.object({
  version: z.string().regex(/^\d+$/, '--version must be a published version number').optional(),
  timeout: z.coerce.number().positive().default(120),
});

async function stateMachineArn(): Promise<string> {
  let nextToken: string | undefined;
  do {
    const page = await sfn().send(new ListStateMachinesCommand({ nextToken }));
    const found = page.stateMachines?.find((m) => m.name === ROLLOUT_STATE_MACHINE_NAME);
    if (found?.stateMachineArn) return found.stateMachineArn;
    nextToken = page.nextToken;
  } while (nextToken);
  throw new Error(`state machine ${ROLLOUT_STATE_MACHINE_NAME} not found (is AWS_ENDPOINT_URL set?)`);
}

export function registerRollout(program: Command): void {
  program
    .command('rollout')
    .description('promote, abort or roll back the model rollout on alias live')
    .argument('<command>', 'promote | abort | rollback')
    .option('--version <n>', 'rollback: the version to make live (default: the previous live version)')
    .option('--timeout <seconds>', 'how long to wait for the outcome', '120')
    .action(async (name: string, raw: unknown) => {
      const opts = optionsSchema.parse(raw);
      const input = commandSchema.parse({
        command: name,
        ...(opts.version ? { version: opts.version } : {}),
      });
      if (input.version && input.command !== 'rollback')
        throw new Error('--version only applies to rollback');
      const arn = await stateMachineArn();
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
