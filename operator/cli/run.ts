import type { Command } from 'commander';
import type { z } from 'zod';
import { exitCodeOf, UsageError } from '../errors.js';

/**
 * The CLI's plumbing shared by the operator commands (scripts/commands/): the target flags, option
 * parsing with one readable line per bad argument, and the error → message + exit code mapping
 * (docs/operator.md, "Exit codes"). Light on purpose: --help loads this and nothing heavy.
 */

export function addTargetOptions(cmd: Command): Command {
  return cmd
    .option(
      '--endpoint-url <url>',
      'AWS endpoint (default: AWS_ENDPOINT_URL; the local cloud is http://127.0.0.1:4566)',
    )
    .option('--region <region>', 'AWS region (default: AWS_REGION, AWS_DEFAULT_REGION or the profile)')
    .option('--profile <name>', 'AWS profile for credentials (default: AWS_PROFILE, then the SDK chain)')
    .option('--stack <name>', 'read bucket and state machine from this CloudFormation stack’s outputs')
    .option('--bucket <name>', 'model bucket (default: the stack’s ModelBucketName, else hypermob-models)')
    .option('--function-name <name>', 'recommend function (default: hypermob-recommend)')
    .option('--alias <name>', 'serving alias (default: live)')
    .option(
      '--state-machine-arn <arn>',
      'rollout state machine (default: the stack’s output, else found by name)',
    );
}

/** The target flags as the read model's connect() takes them. */
export function targetOptions(o: Record<string, unknown>) {
  const pick = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
  return {
    endpointUrl: pick('endpointUrl'),
    region: pick('region'),
    profile: pick('profile'),
    stack: pick('stack'),
    bucket: pick('bucket'),
    functionName: pick('functionName'),
    alias: pick('alias'),
    stateMachineArn: pick('stateMachineArn'),
  };
}

/** zod over commander's options: a bad value is one line naming the flag, not a JSON array. */
export function parseOptions<T>(schema: z.ZodType<T>, raw: unknown): T {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const flag = (path: PropertyKey[]) =>
    path.length ? `--${String(path[0]).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: ` : '';
  throw new UsageError(parsed.error.issues.map((i) => `${flag(i.path)}${i.message}`).join('; '));
}

/** Runs a command's action: errors print one line and set the documented exit code. */
export function action<A extends unknown[]>(run: (...args: A) => Promise<number | undefined>) {
  return async (...args: A): Promise<void> => {
    try {
      process.exitCode = (await run(...args)) ?? 0;
    } catch (err) {
      const named = err instanceof Error && err.name === 'ZodError' ? new UsageError(err.message) : err;
      console.error(`hypermob: ${named instanceof Error ? named.message : String(named)}`);
      process.exitCode = exitCodeOf(named);
    }
  };
}
