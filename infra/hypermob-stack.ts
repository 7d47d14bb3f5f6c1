import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { PIPELINE_WRITERS } from '../system/bucket-policy.js';
import { type FunctionKey, MODEL_BUCKET_NAME } from '../system/manifest.js';
import type { HypermobConfig } from './config.js';
import { applyBucketPolicy, ModelBucket, uploaderPolicy } from './model-bucket.js';
import { Monitoring } from './monitoring.js';
import { RecommendService } from './recommend-service.js';
import { Rollout } from './rollout.js';

/** The bundle directory of each function (scripts/bundle.ts `bundleFunctions`, arm64). */
export type FunctionBundles = Record<FunctionKey, string>;

export interface HypermobStackProps extends StackProps {
  config: HypermobConfig;
  bundles: FunctionBundles;
}

/**
 * `hypermob-models-<account>-<region>`: bucket names are global, so the local cloud's plain name
 * would clash with any other account that deployed first. CloudFormation resolves the tokens.
 */
export function defaultBucketName(stack: Stack): string {
  return `${MODEL_BUCKET_NAME}-${stack.account}-${stack.region}`;
}

/** Thin on purpose: one construct per concern, wired together. */
export class HypermobStack extends Stack {
  readonly models: ModelBucket;
  readonly service: RecommendService;
  readonly rollout: Rollout;
  readonly monitoring: Monitoring;
  /** The model bucket's name: the context's modelBucketName, or one unique to the account and region. */
  readonly bucketName: string;

  constructor(scope: Construct, id: string, props: HypermobStackProps) {
    super(scope, id, props);
    const c = props.config;
    const logRetention = c.logRetentionDays as logs.RetentionDays;
    this.bucketName = c.modelBucketName ?? defaultBucketName(this);
    const deployment = { bucketName: this.bucketName, settings: c.settings };

    this.models = new ModelBucket(this, 'Models', {
      bucketName: this.bucketName,
      noncurrentVersionDays: c.noncurrentVersionDays,
      noncurrentVersionsKept: c.noncurrentVersionsKept,
    });
    this.service = new RecommendService(this, 'Recommend', {
      bundleDir: props.bundles.recommend,
      feedbackBundleDir: props.bundles.feedback,
      bucket: this.models.bucket,
      bucketName: this.bucketName,
      deployment,
      initialModel: {
        key: c.initialModelKey,
        ...(c.initialModelSha256 ? { sha256: c.initialModelSha256 } : {}),
        ...(c.initialModelVersionId ? { versionId: c.initialModelVersionId } : {}),
      },
      provisionedConcurrency: c.provisionedConcurrency,
      throttleRateLimit: c.throttleRateLimit,
      throttleBurstLimit: c.throttleBurstLimit,
      corsAllowOrigins: c.corsAllowOrigins,
      wafEnabled: c.wafEnabled,
      wafRateLimitPer5Min: c.wafRateLimitPer5Min,
      logRetention,
    });
    this.rollout = new Rollout(this, 'Rollout', {
      bundleDirs: props.bundles,
      bucket: this.models.bucket,
      bucketName: this.bucketName,
      initialModelKey: c.initialModelKey,
      recommend: this.service.fn,
      deployment,
      logRetention,
      reservedConcurrency: c.rolloutReservedConcurrency,
    });
    // Only the pipeline (and the deployment's admins) may write the pipeline's prefixes.
    applyBucketPolicy(this.models.bucket, [
      ...PIPELINE_WRITERS.map((fn) => this.rollout[fn].role.roleArn),
      ...c.pipelineAdminArns,
    ]);
    const uploader = uploaderPolicy(this, this.models.bucket);
    this.monitoring = new Monitoring(this, 'Monitoring', {
      stateMachine: this.rollout.stateMachine,
      latencyP99ThresholdMs: c.latencyP99ThresholdMs,
      versionErrorsThreshold: c.versionErrorsThreshold,
      ...(c.alertEmail ? { alertEmail: c.alertEmail } : {}),
    });

    new CfnOutput(this, 'RecommendUrl', { value: `${this.service.api.url}recommend` });
    new CfnOutput(this, 'FeedbackUrl', { value: `${this.service.api.url}feedback` });
    new CfnOutput(this, 'ModelBucketName', { value: this.models.bucket.bucketName });
    new CfnOutput(this, 'UploaderPolicyArn', {
      value: uploader.managedPolicyArn,
      description: 'attach to whoever uploads models: PutObject of *.onnx only',
    });
    new CfnOutput(this, 'StateMachineArn', { value: this.rollout.stateMachine.stateMachineArn });
    new CfnOutput(this, 'OutcomesTopicArn', { value: this.monitoring.topic.topicArn });
  }
}
