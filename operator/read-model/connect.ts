import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import { LOCAL_CREDENTIALS } from '../../local-cloud/clients.js';
import { DEFAULT_REGION } from '../../local-cloud/cloud.js';
import { NoCredentialsError, NotFoundError, UnreachableError } from '../errors.js';
import { resolveTarget, type StackOutputs, type Target, type TargetOptions } from './target.js';

/**
 * SDK clients for a target, with the SDK's default credential chain plus --profile. Missing
 * region or credentials, and an endpoint that does not answer, become one line that says what to
 * set (instead of "Region is missing" or "getaddrinfo ENOTFOUND states.…amazonaws.com").
 */
export interface Connection {
  target: Target & { stateMachineArn: string; region: string };
  s3: S3Client;
  lambda: LambdaClient;
  sfn: SFNClient;
}

const SET_REGION =
  'set AWS_REGION or pass --region (for the local cloud: AWS_ENDPOINT_URL=http://127.0.0.1:4566 AWS_REGION=us-east-1)';

export async function connect(
  options: TargetOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Connection> {
  let target = resolveTarget(options, env);
  const base = await clientConfig(target);
  if (target.stack) target = resolveTarget(options, env, await stackOutputs(target, base));
  const s3 = guarded(new S3Client({ ...base, forcePathStyle: target.endpoint !== undefined }), target);
  const lambda = guarded(new LambdaClient(base), target);
  const sfn = guarded(new SFNClient(base), target);
  const stateMachineArn = target.stateMachineArn ?? (await findStateMachine(sfn, target));
  return { target: { ...target, stateMachineArn, region: base.region }, s3, lambda, sfn };
}

interface ClientConfig {
  region: string;
  endpoint?: string;
  profile?: string;
  credentials?: typeof LOCAL_CREDENTIALS;
}

/** Region and credentials resolved now, by the SDK's own chain, so their absence is one clear line. */
async function clientConfig(target: Target): Promise<ClientConfig & { region: string }> {
  const probe = new SFNClient({
    ...(target.region ? { region: target.region } : {}),
    ...(target.endpoint ? { endpoint: target.endpoint } : {}),
    ...(target.profile ? { profile: target.profile } : {}),
  });
  let region = target.region;
  try {
    region ??= await probe.config.region();
  } catch {
    // The local cloud has one region; anywhere else the operator must say which.
    if (!target.local) throw new NoCredentialsError(`no AWS region: ${SET_REGION}`);
  }
  region ??= DEFAULT_REGION;
  const common = {
    region,
    ...(target.endpoint ? { endpoint: target.endpoint } : {}),
    ...(target.profile ? { profile: target.profile } : {}),
  };
  try {
    await probe.config.credentials();
    return common;
  } catch (err) {
    // The local cloud accepts any credentials: placeholders when the chain has none.
    if (target.local) return { ...common, credentials: LOCAL_CREDENTIALS };
    throw new NoCredentialsError(
      `no AWS credentials${target.profile ? ` for profile ${target.profile}` : ''}: set AWS_PROFILE (or --profile), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (${(err as Error).message.split('\n')[0]})`,
    );
  } finally {
    probe.destroy();
  }
}

async function stackOutputs(target: Target, config: ClientConfig): Promise<StackOutputs> {
  const cfn = guarded(new CloudFormationClient(config), target);
  try {
    const out = await cfn.send(new DescribeStacksCommand({ StackName: target.stack }));
    const outputs = out.Stacks?.[0]?.Outputs ?? [];
    return Object.fromEntries(outputs.map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
  } catch (err) {
    if (err instanceof Error && /does not exist/.test(err.message))
      throw new NotFoundError(`stack ${target.stack} does not exist in ${config.region}`);
    throw err;
  } finally {
    cfn.destroy();
  }
}

async function findStateMachine(sfn: SFNClient, target: Target): Promise<string> {
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new ListStateMachinesCommand({ nextToken }));
    const found = page.stateMachines?.find((m) => m.name === target.stateMachineName);
    if (found?.stateMachineArn) return found.stateMachineArn;
    nextToken = page.nextToken;
  } while (nextToken);
  throw new NotFoundError(
    `state machine ${target.stateMachineName} not found at ${where(target)}: pass --stack <name> or --state-machine-arn`,
  );
}

const NETWORK = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
]);

interface Guardable {
  middlewareStack: {
    add(
      mw: (next: (args: unknown) => Promise<unknown>) => (args: unknown) => Promise<unknown>,
      options: { step: 'initialize'; name: string },
    ): void;
  };
}

/**
 * Every call of the client, after the SDK's own retries: a network failure becomes
 * UnreachableError naming the endpoint and the fix.
 */
function guarded<C>(client: C, target: Target): C {
  (client as unknown as Guardable).middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (err) {
        throw unreachable(err, target) ?? err;
      }
    },
    { step: 'initialize', name: 'hypermobUnreachable' },
  );
  return client;
}

export function unreachable(err: unknown, target: Target): UnreachableError | undefined {
  const e = err as { code?: string; cause?: { code?: string }; errors?: { code?: string }[] };
  const code = e.code ?? e.cause?.code ?? e.errors?.[0]?.code;
  if (!code || !NETWORK.has(code)) return undefined;
  const hint = target.local
    ? 'is the local cloud running? (npm start)'
    : target.endpoint
      ? 'check --endpoint-url / AWS_ENDPOINT_URL'
      : 'check the network and the region, or set AWS_ENDPOINT_URL for the local cloud';
  return new UnreachableError(`cannot reach ${where(target)} (${code}): ${hint}`);
}

function where(target: Target): string {
  return target.endpoint ?? `AWS ${target.region ?? ''}`.trim();
}
