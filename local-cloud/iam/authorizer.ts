import type { IncomingHttpHeaders } from 'node:http';
import { bucketPolicyDocument, localRoleArn, PIPELINE_WRITERS } from '../../system/bucket-policy.js';
import {
  FUNCTIONS,
  type FunctionKey,
  MODEL_BUCKET_NAME,
  RECOMMEND_FUNCTION_NAME,
  RECOMMENDATION_KEY_SECRET_NAME,
  ROLLOUT_STATE_MACHINE_NAME,
} from '../../system/manifest.js';
import { type ArnNames, PERMISSIONS, policyDocument } from '../../system/permissions.js';
import type { Log } from '../log.js';
import type { Route } from '../routes.js';
import { localSecretArn } from '../secrets/arn.js';
import { executionArn, lambdaFunctionArn, stateMachineArn } from '../sfn/arns.js';
import { type AccessCheck, accessChecks, type RequestFacts } from './actions.js';
import { accessKeyIdOf } from './credentials.js';
import { type Decision, evaluate } from './evaluate.js';

/**
 * IAM in the local cloud: a request signed with a function's name as its access key id acts as that
 * function's role — the statements of system/permissions.ts, with the local cloud's ARNs, plus the
 * model bucket's policy (system/bucket-policy.ts) — and every check of it must be allowed. Any other
 * caller (a person, the bootstrap, a test) is an administrator and is not checked.
 */
export interface Caller {
  /** The role session the caller acts as; undefined for an administrator. */
  principalArn?: string;
  decide(check: AccessCheck): Promise<Decision>;
}

export const ADMINISTRATOR: Caller = { decide: async () => ({ allowed: true }) };

export interface Denied {
  principalArn: string;
  check: AccessCheck;
  reason: string;
}

/** The denial when `caller` is a role that may not perform `check`; undefined when it may. */
export async function denialOf(caller: Caller, check: AccessCheck): Promise<Denied | undefined> {
  if (!caller.principalArn) return undefined;
  const decision = await caller.decide(check);
  return decision.allowed ? undefined : { principalArn: caller.principalArn, check, reason: decision.reason };
}

export interface Authorizer {
  /** Who sent the request and, if one of its checks is not allowed, the first one denied. */
  authorize(route: Route, req: RequestFacts): Promise<{ caller: Caller; denied?: Denied }>;
}

export interface AuthorizerOptions {
  region: string;
  accountId: string;
  /** The statements each function's role has (default: system/permissions.ts). */
  permissions?: typeof PERMISSIONS;
  log?: Log;
}

export function createAuthorizer(opts: AuthorizerOptions): Authorizer {
  const { region, accountId } = opts;
  const names: ArnNames = {
    bucketArn: `arn:aws:s3:::${MODEL_BUCKET_NAME}`,
    recommendArn: lambdaFunctionArn(region, accountId, RECOMMEND_FUNCTION_NAME),
    stateMachineArn: stateMachineArn(region, accountId, ROLLOUT_STATE_MACHINE_NAME),
    executionsArn: executionArn(region, accountId, ROLLOUT_STATE_MACHINE_NAME, '*'),
    // Locally the default model goes through the pipeline into pinned/: no initial key to read.
    initialModelKey: '',
    recommendationKeyArn: localSecretArn(region, accountId, RECOMMENDATION_KEY_SECRET_NAME),
  };
  const bucketPolicy = bucketPolicyDocument(
    names.bucketArn,
    undefined,
    PIPELINE_WRITERS.map((fn) => localRoleArn(accountId, fn)),
  );
  const inBucket = (resource: string) =>
    resource === names.bucketArn || resource.startsWith(`${names.bucketArn}/`);

  const roles = new Map<string, Caller>();
  for (const [key, spec] of Object.entries(FUNCTIONS) as [FunctionKey, (typeof FUNCTIONS)[FunctionKey]][]) {
    const principalArn = `arn:aws:sts::${accountId}:assumed-role/${spec.name}/${spec.name}`;
    const identityPolicy = policyDocument(key, names, opts.permissions ?? PERMISSIONS);
    roles.set(spec.name, {
      principalArn,
      decide: (check) =>
        evaluate(
          {
            principalArn,
            accountId,
            identityPolicy,
            ...(inBucket(check.resource) ? { resourcePolicy: bucketPolicy } : {}),
          },
          check,
        ),
    });
  }

  return {
    async authorize(route, req) {
      const caller = callerOf(req.headers, req.url);
      if (!caller.principalArn) return { caller };
      for (const check of accessChecks(route, req, { region, accountId })) {
        const denied = await denialOf(caller, check);
        if (denied) {
          opts.log?.(`iam: ${denied.principalArn} denied ${check.action} on ${check.resource}`, 'warn');
          return { caller, denied };
        }
      }
      return { caller };
    },
  };

  function callerOf(headers: IncomingHttpHeaders, url: string): Caller {
    const key = accessKeyIdOf(headers, url);
    return (key !== undefined && roles.get(key)) || ADMINISTRATOR;
  }
}
