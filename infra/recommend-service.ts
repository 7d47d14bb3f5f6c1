import { RemovalPolicy } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { MAX_BODY_BYTES } from '../functions/shared/request.js';
import { type Deployment, functionEnvironment } from '../system/environment.js';
import { LIVE_ALIAS, UNPINNED_MODEL } from '../system/manifest.js';
import { BundledFunction } from './bundled-function.js';
import { acknowledge } from './nag.js';
import { RecommendationKey } from './recommendation-key.js';
import { grantManifestPermissions } from './roles.js';

/**
 * `POST /recommend` on a REST API (stage `prod`) → alias `live` of `hypermob-recommend`. The alias is
 * created once, on a bootstrap version; from then on only the rollout pipeline moves it.
 * `POST /feedback` on the same API → `hypermob-feedback` (not rolled out, so no alias), which
 * verifies the recommendation ids that recommend signs with the key secret both of them read.
 */

/** What the first deployment serves. */
export interface InitialModel {
  key: string;
  sha256?: string;
  versionId?: string;
}

/**
 * functions/recommend/config.ts requires MODEL_KEY and MODEL_SHA256. Without an initial model the
 * function is pointed at a key no one writes, so it serves its template-trained fallback (marked
 * degraded) until the first rollout pins a real model.
 */
export const NO_MODEL_KEY = UNPINNED_MODEL.key;
export const NO_MODEL_SHA256 = UNPINNED_MODEL.sha256;

export function initialModelEnvironment(bucketName: string, model: InitialModel): Record<string, string> {
  const none = model.key === '';
  return {
    MODEL_BUCKET: bucketName,
    MODEL_KEY: none ? NO_MODEL_KEY : model.key,
    MODEL_SHA256: none ? NO_MODEL_SHA256 : (model.sha256 ?? '').toLowerCase(),
    MODEL_VERSION_ID: none ? '' : (model.versionId ?? ''),
    MODEL_SIZE: '',
  };
}

export interface RecommendServiceProps {
  bundleDir: string;
  feedbackBundleDir: string;
  bucket: s3.IBucket;
  bucketName: string;
  deployment: Deployment;
  initialModel: InitialModel;
  provisionedConcurrency: number;
  throttleRateLimit: number;
  throttleBurstLimit: number;
  corsAllowOrigins: string[];
  wafEnabled: boolean;
  wafRateLimitPer5Min: number;
  logRetention: logs.RetentionDays;
}

export class RecommendService extends Construct {
  readonly fn: lambda.Function;
  readonly feedback: lambda.Function;
  readonly key: RecommendationKey;
  readonly alias: lambda.Alias;
  readonly api: apigw.RestApi;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: RecommendServiceProps) {
    super(scope, id);
    this.key = new RecommendationKey(this, 'RecommendationKey');
    const deployment = { ...props.deployment, recommendationKeySecret: this.key.secret.secretArn };
    const bundled = new BundledFunction(this, 'Recommend', {
      key: 'recommend',
      bundleDir: props.bundleDir,
      environment: {
        ...functionEnvironment('recommend', deployment),
        ...initialModelEnvironment(props.bucketName, props.initialModel),
      },
      logRetention: props.logRetention,
    });
    this.fn = bundled.function;
    this.role = bundled.role;
    const names = {
      bucketArn: props.bucket.bucketArn,
      recommendArn: this.fn.functionArn,
      stateMachineArn: '',
      executionsArn: '',
      initialModelKey: props.initialModel.key,
      recommendationKeyArn: this.key.secret.secretArn,
    };
    grantManifestPermissions(this.role, 'recommend', names);

    const feedback = new BundledFunction(this, 'Feedback', {
      key: 'feedback',
      bundleDir: props.feedbackBundleDir,
      environment: functionEnvironment('feedback', deployment),
      logRetention: props.logRetention,
    });
    this.feedback = feedback.function;
    grantManifestPermissions(feedback.role, 'feedback', names);

    // The alias is created on a version that is published once and never again by CloudFormation:
    // its only property is the function name, so later deployments leave the resource — and the
    // alias's FunctionVersion in the template — unchanged, and CloudFormation never updates the
    // alias the pipeline has moved. (fn.currentVersion would publish on every code change and pull
    // `live` back to it.) Retained: version 1 may still carry traffic when the resource is replaced.
    const bootstrap = new lambda.Version(this, 'BootstrapVersion', {
      lambda: this.fn,
      description: 'published once at the first deployment; the rollout pipeline publishes the rest',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.alias = new lambda.Alias(this, 'Live', {
      aliasName: LIVE_ALIAS,
      version: bootstrap,
      ...(props.provisionedConcurrency > 0
        ? { provisionedConcurrentExecutions: props.provisionedConcurrency }
        : {}),
    });

    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.api = new apigw.RestApi(this, 'Api', {
      restApiName: 'hypermob-recommend',
      description: 'POST /recommend -> hypermob-recommend:live, POST /feedback -> hypermob-feedback',
      endpointTypes: [apigw.EndpointType.REGIONAL],
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: 'prod',
        accessLogDestination: new apigw.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields(),
        loggingLevel: apigw.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        throttlingRateLimit: props.throttleRateLimit,
        throttlingBurstLimit: props.throttleBurstLimit,
        tracingEnabled: false,
      },
      ...(props.corsAllowOrigins.length > 0
        ? {
            defaultCorsPreflightOptions: {
              allowOrigins: props.corsAllowOrigins,
              allowMethods: ['POST', 'OPTIONS'],
              allowHeaders: ['Content-Type'],
            },
          }
        : {}),
    });

    // The validator only insists on a JSON object; field checks stay in the function so clients get
    // its field-level problems (functions/shared/request.ts) instead of API Gateway's generic text.
    const validator = this.api.addRequestValidator('BodyIsObject', {
      requestValidatorName: 'body-is-json-object',
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    const model = this.api.addModel('RecommendBody', {
      contentType: 'application/json',
      modelName: 'RecommendBody',
      schema: { schema: apigw.JsonSchemaVersion.DRAFT4, type: apigw.JsonSchemaType.OBJECT },
    });
    this.api.addGatewayResponse('BadRequestBody', {
      type: apigw.ResponseType.BAD_REQUEST_BODY,
      statusCode: '400',
      templates: {
        'application/json':
          '{"status":"error","error":{"code":"invalid_body","message":$context.error.messageString}}',
      },
    });

    const recommend = this.api.root.addResource('recommend');
    recommend.addMethod('POST', new apigw.LambdaIntegration(this.alias, { proxy: true }), {
      requestValidator: validator,
      requestModels: { 'application/json': model },
    });
    // The same body-is-an-object model: the function names every field problem itself.
    this.api.root
      .addResource('feedback')
      .addMethod('POST', new apigw.LambdaIntegration(this.feedback, { proxy: true }), {
        requestValidator: validator,
        requestModels: { 'application/json': model },
      });

    if (props.wafEnabled) this.attachWaf(props.wafRateLimitPer5Min);
    this.acknowledgeApiFindings(props.wafEnabled);
  }

  /**
   * API Gateway cannot cap a body below its 10 MB limit; the function answers 413 above 16 KB, but
   * only after an invocation. The web ACL blocks such bodies (and floods from one IP) before that.
   */
  private attachWaf(ratePer5Min: number): void {
    const visibility = (name: string) => ({
      cloudWatchMetricsEnabled: true,
      metricName: name,
      sampledRequestsEnabled: true,
    });
    const acl = new wafv2.CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('hypermob-recommend-acl'),
      rules: [
        {
          name: 'body-over-16kb',
          priority: 0,
          action: { block: {} },
          visibilityConfig: visibility('hypermob-body-over-16kb'),
          statement: {
            sizeConstraintStatement: {
              fieldToMatch: { body: { oversizeHandling: 'MATCH' } },
              comparisonOperator: 'GT',
              size: MAX_BODY_BYTES,
              textTransformations: [{ priority: 0, type: 'NONE' }],
            },
          },
        },
        {
          name: 'rate-per-ip',
          priority: 1,
          action: { block: {} },
          visibilityConfig: visibility('hypermob-rate-per-ip'),
          statement: { rateBasedStatement: { limit: ratePer5Min, aggregateKeyType: 'IP' } },
        },
      ],
    });
    new wafv2.CfnWebACLAssociation(this, 'WebAclAssociation', {
      resourceArn: this.api.deploymentStage.stageArn,
      webAclArn: acl.attrArn,
    });
  }

  private acknowledgeApiFindings(wafEnabled: boolean): void {
    const ack = (id: string, reason: string) => acknowledge(this.api, id, reason);
    ack(
      'AwsSolutions-APIG4',
      'The recommendation endpoint is public by design (issue 2): it takes six body measurements, stores nothing and returns seat settings; abuse is bounded by stage throttling (and the optional WAF). Put an authorizer in front if a deployment needs callers identified.',
    );
    ack('AwsSolutions-COG4', 'Same as APIG4: no user pool; the endpoint is public by design and throttled.');
    if (!wafEnabled) {
      acknowledge(
        this.api.deploymentStage,
        'AwsSolutions-APIG3',
        'WAF is opt-in (context wafEnabled=true, ~$6/month + per-request fees); without it the stage throttles and the function rejects bodies over 16 KB with 413 before parsing.',
      );
    }
    // API Gateway's account-level logging role uses the managed policy AWS documents for it.
    const accountRole = this.api.node.tryFindChild('CloudWatchRole');
    if (accountRole) {
      acknowledge(
        accountRole,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        'API Gateway needs this account-wide role to write execution and access logs; AmazonAPIGatewayPushToCloudWatchLogs is the policy AWS documents for it.',
      );
    }
  }
}
