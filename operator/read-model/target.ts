import { z } from 'zod';
import { executionArn } from '../../functions/rollout/shared/executions.js';
import {
  LIVE_ALIAS,
  MODEL_BUCKET_NAME,
  RECOMMEND_FUNCTION_NAME,
  ROLLOUT_STATE_MACHINE_NAME,
} from '../../system/manifest.js';

/**
 * Where the operator looks: the endpoint (AWS_ENDPOINT_URL or --endpoint-url; none = AWS), the
 * region and profile, and the names of the deployed resources — from the stack's outputs
 * (--stack), from flags, or the manifest's defaults (system/manifest.ts), which are the local
 * cloud's names. Pure: connecting and asking CloudFormation is ./connect.ts.
 */
export const targetOptionsSchema = z.object({
  endpointUrl: z.url({ error: '--endpoint-url must be a URL such as http://127.0.0.1:4566' }).optional(),
  region: z.string().min(1).optional(),
  profile: z.string().min(1).optional(),
  stack: z.string().min(1).optional(),
  bucket: z.string().min(1).optional(),
  functionName: z.string().min(1).optional(),
  alias: z.string().min(1).optional(),
  stateMachineArn: z.string().startsWith('arn:', '--state-machine-arn must be an ARN').optional(),
});
export type TargetOptions = z.infer<typeof targetOptionsSchema>;

export interface Target {
  /** undefined: AWS's own endpoints. */
  endpoint?: string;
  /** A loopback endpoint: the local cloud (npm start), which accepts any credentials. */
  local: boolean;
  region?: string;
  profile?: string;
  stack?: string;
  bucket: string;
  functionName: string;
  alias: string;
  /** undefined until connect() looks the state machine up by name. */
  stateMachineArn?: string;
  stateMachineName: string;
  recommendUrl?: string;
}

/** The stack outputs the operator reads (infra/hypermob-stack.ts declares them). */
export interface StackOutputs {
  ModelBucketName?: string;
  StateMachineArn?: string;
  RecommendUrl?: string;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export function resolveTarget(
  options: TargetOptions,
  env: NodeJS.ProcessEnv = process.env,
  outputs: StackOutputs = {},
): Target {
  const o = targetOptionsSchema.parse(options);
  const endpoint = o.endpointUrl ?? (env.AWS_ENDPOINT_URL || undefined);
  const local = endpoint !== undefined && LOOPBACK.has(new URL(endpoint).hostname);
  const region = o.region ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined);
  const profile = o.profile ?? (env.AWS_PROFILE || undefined);
  const stateMachineArn = o.stateMachineArn ?? outputs.StateMachineArn;
  return {
    ...(endpoint ? { endpoint } : {}),
    local,
    ...(region ? { region } : {}),
    ...(profile ? { profile } : {}),
    ...(o.stack ? { stack: o.stack } : {}),
    bucket: o.bucket ?? outputs.ModelBucketName ?? MODEL_BUCKET_NAME,
    functionName: o.functionName ?? RECOMMEND_FUNCTION_NAME,
    alias: o.alias ?? LIVE_ALIAS,
    ...(stateMachineArn ? { stateMachineArn } : {}),
    stateMachineName: stateMachineArn?.split(':').at(-1) ?? ROLLOUT_STATE_MACHINE_NAME,
    ...(outputs.RecommendUrl ? { recommendUrl: outputs.RecommendUrl } : {}),
  };
}

/** An execution's name or ARN → its ARN. */
export function executionArnFor(stateMachineArn: string, nameOrArn: string): string {
  return nameOrArn.startsWith('arn:') ? nameOrArn : executionArn(stateMachineArn, nameOrArn);
}

export function executionNameOf(arnOrName: string): string {
  return arnOrName.split(':').at(-1) ?? arnOrName;
}
