import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import {
  BUCKET_POLICY,
  bucketPolicyDocument,
  ENFORCE_SSL,
  uploaderPolicyDocument,
} from '../system/bucket-policy.js';
import { acknowledge, nagResourceText } from './nag.js';

/**
 * Where data scientists upload models and the pipeline keeps its state (pinned copies, golden set,
 * reports, lineage). Versioned so a published Lambda version can pin an exact object version and an
 * overwrite never changes what is served; EventBridge notifications start rollouts.
 */
export interface ModelBucketProps {
  bucketName: string;
  /** Noncurrent versions older than this many days are expired… */
  noncurrentVersionDays: number;
  /** …except the newest this many, kept whatever their age. */
  noncurrentVersionsKept: number;
}

export class ModelBucket extends Construct {
  readonly bucket: s3.Bucket;
  readonly accessLogs: s3.Bucket;

  constructor(scope: Construct, id: string, props: ModelBucketProps) {
    super(scope, id);
    // Server access logs answer "who uploaded or read which model" for an audit; CloudTrail data
    // events would too but cost per event.
    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(
      this.accessLogs,
      'AwsSolutions-S1',
      'This is the access-log bucket of the model bucket; logging it into itself would loop and into a third bucket would only move the finding.',
    );

    this.bucket = new s3.Bucket(this, 'Bucket', {
      bucketName: props.bucketName,
      versioned: true,
      // SSE-S3, not KMS: no key policy for every reader (functions, uploaders using the AWS CLI),
      // no per-request KMS charges, and EventBridge/S3 need no grants; the data is model weights and
      // reports, not personal data, so a customer-managed key's extra audit trail buys little.
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      eventBridgeEnabled: true,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: `${props.bucketName}/`,
      lifecycleRules: [
        {
          id: 'expire-old-noncurrent-versions',
          noncurrentVersionExpiration: Duration.days(props.noncurrentVersionDays),
          noncurrentVersionsToRetain: props.noncurrentVersionsKept,
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
      // Models, the golden set and the lineage records outlive the stack — but a bucket created by a
      // first deployment that then failed is deleted with the rollback, so it cannot block the retry.
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });

    // eventBridgeEnabled is set by CDK's singleton custom resource (PutBucketNotificationConfiguration).
    const handler = Stack.of(this).node.tryFindChild(NOTIFICATIONS_HANDLER_ID)?.node.tryFindChild('Role');
    if (handler) {
      acknowledge(
        handler,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        "CDK's own BucketNotificationsHandler custom resource (it turns on EventBridge notifications at deploy time) comes with this role; it runs only during deployments and its code is not ours to change.",
      );
    }
  }
}

/**
 * The rest of system/bucket-policy.ts's statements on the bucket (enforceSSL adds ENFORCE_SSL
 * itself), excepting these principals from the pipeline-prefix deny: the pipeline's roles and the
 * deployment's admins (pipelineAdminArns, who seed golden/).
 */
export function applyBucketPolicy(bucket: s3.Bucket, exceptedArns: string[]): void {
  const statements = BUCKET_POLICY.filter((s) => s !== ENFORCE_SSL);
  for (const json of bucketPolicyDocument(bucket.bucketArn, statements, exceptedArns).Statement) {
    bucket.addToResourcePolicy(iam.PolicyStatement.fromJson(json));
  }
}

/**
 * The managed policy an uploader's role or user attaches: PutObject of `*.onnx` keys (and listing);
 * the bucket policy's deny keeps it out of the pipeline's prefixes.
 */
export function uploaderPolicy(scope: Construct, bucket: s3.IBucket): iam.ManagedPolicy {
  const policy = new iam.ManagedPolicy(scope, 'UploaderPolicy', {
    description: 'Upload models (*.onnx) to the model bucket; the bucket policy denies the pipeline prefixes',
    document: iam.PolicyDocument.fromJson(uploaderPolicyDocument(bucket.bucketArn)),
  });
  acknowledge(
    policy,
    `AwsSolutions-IAM5[Resource::${nagResourceText(policy, bucket.bucketArn)}/*.onnx]`,
    'uploads are any key ending in .onnx (the rollout trigger matches that suffix); object ARNs name keys that do not exist yet',
  );
  return policy;
}

/** aws-cdk-lib's fixed id for the bucket-notifications custom resource (aws-s3/lib/notifications-resource). */
const NOTIFICATIONS_HANDLER_ID = 'BucketNotificationsHandler050a0587b7544547bf325f094a3db834';
