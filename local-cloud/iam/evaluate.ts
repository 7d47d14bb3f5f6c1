import { getDenialReasons, type RequestAnalysis, runSimulation } from '@cloud-copilot/iam-simulate';
import type { AccessCheck } from './actions.js';

/**
 * One IAM decision, made by @cloud-copilot/iam-simulate: AWS's policy evaluation logic over the
 * caller's identity policy and the resource's policy, with actions and ARNs validated against the
 * Service Authorization Reference data it ships. Imported only by the local cloud (AGPL-3.0, a
 * devDependency): functions and their bundles never load it.
 */
export interface PolicySet {
  principalArn: string;
  accountId: string;
  identityPolicy: unknown;
  /** The resource-based policy of the resource checked, if it has one (the model bucket's). */
  resourcePolicy?: unknown;
}

export type Decision =
  | { allowed: true }
  | {
      allowed: false;
      /** AWS's wording after "on resource: <ARN>": why it was denied. */
      reason: string;
    };

/**
 * Request context: the local endpoint is plain HTTP on loopback standing in for AWS's HTTPS
 * endpoints, which every SDK and the CLI use by default; evaluating aws:SecureTransport as false
 * would deny every S3 call that works on AWS. The bucket's enforceSSL statement is still evaluated.
 */
const CONTEXT = { 'aws:SecureTransport': 'true' };

export async function evaluate(policies: PolicySet, check: AccessCheck): Promise<Decision> {
  const outcome = await runSimulation(
    {
      request: {
        principal: policies.principalArn,
        action: check.action,
        resource: { resource: check.resource, accountId: policies.accountId },
        contextVariables: { ...CONTEXT, ...principalContext(policies.principalArn) },
      },
      identityPolicies: [{ name: 'role', policy: policies.identityPolicy }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(policies.resourcePolicy ? { resourcePolicy: policies.resourcePolicy } : {}),
    },
    {},
  );
  if (outcome.resultType === 'error') {
    // An action or ARN that AWS does not know: no policy can allow it.
    return {
      allowed: false,
      reason: `because the local cloud cannot evaluate it (${outcome.errors.message})`,
    };
  }
  if (outcome.overallResult === 'Allowed') return { allowed: true };
  const analysis: RequestAnalysis | undefined =
    outcome.resultType === 'single' ? outcome.result.analysis : outcome.results[0]?.analysis;
  return { allowed: false, reason: denialReason(analysis, check.action) };
}

/**
 * aws:PrincipalArn of a role session is the role's ARN, not the session's (IAM's global condition
 * keys): `arn:aws:sts::<account>:assumed-role/<role>/<session>` → `arn:aws:iam::<account>:role/<role>`.
 */
function principalContext(principalArn: string): Record<string, string> {
  const m = /^arn:aws:sts::(\d+):assumed-role\/([^/]+)\/[^/]+$/.exec(principalArn);
  return { 'aws:PrincipalArn': m ? `arn:aws:iam::${m[1]}:role/${m[2]}` : principalArn };
}

/** AWS's phrases (IAM user guide, "Troubleshoot access denied error messages"). */
function denialReason(analysis: RequestAnalysis | undefined, action: string): string {
  const denials = analysis ? getDenialReasons(analysis) : [];
  const explicit = denials.find((d) => d.denialType === 'Explicit');
  if (explicit) return `with an explicit deny in a ${policyTypeName(explicit.policyType)} policy`;
  const implicit = denials[0];
  return `because no ${policyTypeName(implicit?.policyType ?? 'identity')} policy allows the ${action} action`;
}

function policyTypeName(type: string): string {
  return type === 'identity' ? 'identity-based' : type === 'resource' ? 'resource-based' : type;
}
