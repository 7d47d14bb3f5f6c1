import { FUNCTIONS, type FunctionKey, PIPELINE_PREFIXES, UPLOAD_SUFFIX } from './manifest.js';

/**
 * The model bucket's resource policy, stated once as data: what every caller of the bucket meets
 * besides its own role's statements. The local cloud evaluates it on every call into the bucket
 * (local-cloud/iam/authorizer.ts) and the CDK app deploys the same document (infra/model-bucket.ts).
 */
export interface BucketPolicyStatement {
  sid?: string;
  effect: 'Allow' | 'Deny';
  /** Every principal (`{"AWS": "*"}`), the only kind the bucket's statements name. */
  principal: 'any';
  actions: string[];
  /** The bucket itself, all its objects (`<bucket ARN>/*`), or the objects under one prefix. */
  resources: ('bucket' | 'objects' | { prefix: string })[];
  condition?: Record<string, Record<string, string | string[]>>;
  /** The statement does not apply to the pipeline's own roles (aws:PrincipalArn, a role's ARN). */
  exceptPipelineRoles?: boolean;
}

/** The functions that write the pipeline's prefixes: validate (reports/), release (pinned/, rollouts/), traffic (rollouts/). */
export const PIPELINE_WRITERS = ['validate', 'release', 'traffic'] as const satisfies readonly FunctionKey[];

/** Exactly the statement aws-cdk-lib's Bucket adds for enforceSSL (it has no Sid); CDK deploys it from there. */
export const ENFORCE_SSL: BucketPolicyStatement = {
  effect: 'Deny',
  principal: 'any',
  actions: ['s3:*'],
  resources: ['bucket', 'objects'],
  condition: { Bool: { 'aws:SecureTransport': 'false' } },
};

export const BUCKET_POLICY: BucketPolicyStatement[] = [
  ENFORCE_SSL,
  {
    // The golden set decides which models pass, the pins are what versions serve, the reports and
    // lineage are the audit trail: a principal with a broad s3:PutObject (an uploader, an admin
    // tool) must not rewrite them. Identity policies cannot take this away; an explicit deny can.
    // golden/ is seeded by a principal named in the deployment's `pipelineAdminArns` (docs/deploy.md).
    sid: 'OnlyThePipelineWritesItsPrefixes',
    effect: 'Deny',
    principal: 'any',
    actions: ['s3:PutObject', 's3:DeleteObject', 's3:DeleteObjectVersion'],
    resources: PIPELINE_PREFIXES.map((prefix) => ({ prefix })),
    exceptPipelineRoles: true,
  },
];

/**
 * The bucket policy as an IAM policy document, for the bucket with this ARN. `pipelineRoleArns`:
 * the ARNs of the pipeline's roles (and any admin allowed to seed golden/) — CloudFormation tokens
 * in CDK, `arn:aws:iam::<account>:role/<function>` locally; none means no one is excepted.
 */
export function bucketPolicyDocument(
  bucketArn: string,
  statements = BUCKET_POLICY,
  pipelineRoleArns: string[] = [],
) {
  return {
    Version: '2012-10-17',
    Statement: statements.map((s) => {
      const condition = s.exceptPipelineRoles
        ? { ...s.condition, ArnNotLike: { 'aws:PrincipalArn': pipelineRoleArns } }
        : s.condition;
      return {
        ...(s.sid ? { Sid: s.sid } : {}),
        Effect: s.effect,
        Principal: { AWS: '*' },
        Action: s.actions,
        Resource: s.resources.map((r) =>
          r === 'bucket' ? bucketArn : r === 'objects' ? `${bucketArn}/*` : `${bucketArn}/${r.prefix}*`,
        ),
        ...(condition ? { Condition: condition } : {}),
      };
    }),
  };
}

/** A local function role's ARN (the local cloud names roles after their functions). */
export function localRoleArn(accountId: string, fn: FunctionKey): string {
  return `arn:aws:iam::${accountId}:role/${FUNCTIONS[fn].name}`;
}

/**
 * What an uploader needs, as an IAM policy document (the stack exports it as a managed policy):
 * PutObject of `*.onnx` keys — IAM cannot exclude prefixes in one pattern, so `pinned/x.onnx` would
 * match here; the bucket policy's deny above covers the pipeline's prefixes — plus reading back its
 * own uploads and the bucket listing.
 */
export function uploaderPolicyDocument(bucketArn: string) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'UploadModels',
        Effect: 'Allow',
        Action: ['s3:PutObject'],
        Resource: [`${bucketArn}/*${UPLOAD_SUFFIX}`],
      },
      { Sid: 'ListModels', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [bucketArn] },
    ],
  };
}
