/**
 * The model bucket's resource policy, stated once as data: what every caller of the bucket meets
 * besides its own role's statements. Today it is the statement CDK's `enforceSSL: true`
 * (infra/model-bucket.ts) adds — deny every S3 action over plain HTTP; a statement added here is
 * enforced by the local cloud at once, and the CDK app can generate the deployed bucket policy from
 * the same list.
 */
export interface BucketPolicyStatement {
  sid?: string;
  effect: 'Allow' | 'Deny';
  /** Every principal (`{"AWS": "*"}`), the only kind the bucket's statements name. */
  principal: 'any';
  actions: string[];
  /** The bucket itself and/or its objects (`<bucket ARN>/*`). */
  resources: ('bucket' | 'objects')[];
  condition?: Record<string, Record<string, string | string[]>>;
}

export const BUCKET_POLICY: BucketPolicyStatement[] = [
  {
    // Exactly the statement aws-cdk-lib's Bucket adds for enforceSSL (it has no Sid).
    effect: 'Deny',
    principal: 'any',
    actions: ['s3:*'],
    resources: ['bucket', 'objects'],
    condition: { Bool: { 'aws:SecureTransport': 'false' } },
  },
];

/** The bucket policy as an IAM policy document, for the bucket with this ARN. */
export function bucketPolicyDocument(bucketArn: string, statements = BUCKET_POLICY) {
  return {
    Version: '2012-10-17',
    Statement: statements.map((s) => ({
      ...(s.sid ? { Sid: s.sid } : {}),
      Effect: s.effect,
      Principal: { AWS: '*' },
      Action: s.actions,
      Resource: s.resources.map((r) => (r === 'bucket' ? bucketArn : `${bucketArn}/*`)),
      ...(s.condition ? { Condition: s.condition } : {}),
    })),
  };
}
