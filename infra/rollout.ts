import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ROLLOUT_STATE_MACHINE_NAME, rolloutEventPattern } from '../statemachines/rollout-trigger.js';
import { ROLLOUT_ASL_PATH, rolloutSubstitutions } from '../statemachines/substitutions.js';
import { type Deployment, functionEnvironment } from '../system/environment.js';
import { LIVE_ALIAS, RECOMMEND_FUNCTION_NAME } from '../system/manifest.js';
import { BundledFunction } from './bundled-function.js';
import {
  GOLDEN_DATA,
  LINEAGE,
  modelReadPatterns,
  objectArns,
  PINNED_MODELS,
  REPORTS,
  UPLOADED_MODELS,
} from './model-keys.js';
import { acknowledge, allow } from './nag.js';

/**
 * The rollout pipeline: the state machine of statemachines/model-rollout.asl.json (the file the
 * local cloud runs, with the same placeholders filled), the three functions it calls, and the
 * EventBridge rule built from the pattern the local cloud's bridge matches.
 */
export interface RolloutProps {
  bundleDirs: { validate: string; release: string; traffic: string };
  bucket: s3.IBucket;
  /** The bucket's literal name: the event pattern and the environment must equal what the local cloud uses. */
  bucketName: string;
  /** The model the first deployment serves, which validation compares candidates with ('' = none). */
  initialModelKey: string;
  /** The recommend function and its alias, which release and traffic may change and nothing else. */
  recommend: lambda.IFunction;
  /** The deployment's settings, which become the functions' environments (system/environment.ts). */
  deployment: Deployment;
  logRetention: logs.RetentionDays;
}

export class Rollout extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly rule: events.Rule;
  readonly validate: BundledFunction;
  readonly release: BundledFunction;
  readonly traffic: BundledFunction;

  constructor(scope: Construct, id: string, props: RolloutProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const env = {
      validate: functionEnvironment('validate', props.deployment),
      release: functionEnvironment('release', props.deployment),
      traffic: functionEnvironment('traffic', props.deployment),
    };
    const common = { logRetention: props.logRetention };
    this.validate = new BundledFunction(this, 'Validate', {
      key: 'validate',
      bundleDir: props.bundleDirs.validate,
      environment: env.validate,
      ...common,
    });
    this.release = new BundledFunction(this, 'Release', {
      key: 'release',
      bundleDir: props.bundleDirs.release,
      environment: env.release,
      ...common,
    });
    this.traffic = new BundledFunction(this, 'Traffic', {
      key: 'traffic',
      bundleDir: props.bundleDirs.traffic,
      environment: env.traffic,
      ...common,
    });

    // Built from the name, not from the state machine resource: the traffic function's policy names
    // the state machine and the state machine names the function, which would otherwise be a cycle.
    const stateMachineArn = stack.formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: ROLLOUT_STATE_MACHINE_NAME,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const executionArns = stack.formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${ROLLOUT_STATE_MACHINE_NAME}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const recommendArn = props.recommend.functionArn;
    const aliasArn = `${recommendArn}:${LIVE_ALIAS}`;
    const versionArns = `${recommendArn}:*`;
    const bucket = props.bucket;
    const goldenObjects = GOLDEN_DATA;
    const reportObjects = REPORTS;

    // Each statement matches an SDK call of the function's code (functions/rollout/**); docs/deploy.md
    // lists them. GetFunctionConfiguration with a Qualifier (a version number) is authorized on the
    // qualified ARN, hence <function>:* there.
    const v = this.validate.role;
    allow(
      v,
      'ReadCandidateLiveAndGolden',
      S3_READ,
      objectArns(bucket, [UPLOADED_MODELS, ...modelReadPatterns(props.initialModelKey), goldenObjects]),
      WHY.objects,
    );
    allow(v, 'WriteReports', ['s3:PutObject'], objectArns(bucket, [reportObjects]), WHY.objects);
    allow(v, 'ReadLiveAlias', ['lambda:GetAlias'], [recommendArn, aliasArn]);
    allow(v, 'ReadLiveVersionConfig', ['lambda:GetFunctionConfiguration'], [versionArns], WHY.versions);

    const rel = this.release.role;
    allow(
      rel,
      'ReadUploadsAndPins',
      S3_READ,
      objectArns(bucket, [UPLOADED_MODELS, PINNED_MODELS]),
      WHY.objects,
    );
    allow(
      rel,
      'PinModels',
      ['s3:PutObject', 's3:DeleteObjectVersion'],
      objectArns(bucket, [PINNED_MODELS]),
      WHY.objects,
    );
    allow(rel, 'Lineage', ['s3:GetObject', 's3:PutObject'], objectArns(bucket, [LINEAGE]), WHY.objects);
    allow(
      rel,
      'PublishRecommend',
      [
        'lambda:GetFunctionConfiguration',
        'lambda:UpdateFunctionConfiguration',
        'lambda:PublishVersion',
        'lambda:ListVersionsByFunction',
        'lambda:GetAlias',
      ],
      [recommendArn, aliasArn],
    );
    allow(rel, 'ProbeNewVersion', ['lambda:InvokeFunction'], [versionArns], WHY.versions);

    const t = this.traffic.role;
    allow(t, 'ReadUploadMetadata', S3_READ, objectArns(bucket, [UPLOADED_MODELS]), WHY.objects);
    allow(t, 'Lineage', ['s3:GetObject', 's3:PutObject'], objectArns(bucket, [LINEAGE]), WHY.objects);
    allow(t, 'MoveLiveAlias', ['lambda:GetAlias', 'lambda:UpdateAlias'], [recommendArn, aliasArn]);
    allow(t, 'CheckRollbackVersion', ['lambda:GetFunctionConfiguration'], [versionArns], WHY.versions);
    allow(t, 'ListRollouts', ['states:ListExecutions'], [stateMachineArn]);
    allow(
      t,
      'SupersedeRollouts',
      ['states:DescribeExecution', 'states:StopExecution'],
      [executionArns],
      WHY.executions,
    );
    allow(t, 'ReadCandidateMetrics', ['cloudwatch:GetMetricData'], ['*'], WHY.getMetricData);

    const logGroup = new logs.LogGroup(this, 'ExecutionLogs', {
      logGroupName: `/aws/vendedlogs/states/${ROLLOUT_STATE_MACHINE_NAME}`,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: ROLLOUT_STATE_MACHINE_NAME,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromFile(ROLLOUT_ASL_PATH),
      definitionSubstitutions: rolloutSubstitutions({
        region: stack.region,
        accountId: stack.account,
        partition: stack.partition,
        bucketName: props.bucketName,
      }),
      // Execution data on: states carry model identity, weights and gate evidence — no secrets, no
      // user data — and that is exactly what an operator needs when a rollout fails at 3 a.m.
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
    });
    for (const f of [this.validate, this.release, this.traffic]) {
      this.stateMachine.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [f.function.functionArn] }),
      );
      this.stateMachine.node.addDependency(f.function);
    }

    // Role of the rule's target: may start this state machine only.
    const startRole = new iam.Role(this, 'StartRolloutRole', {
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com'),
      description: `EventBridge rule -> ${ROLLOUT_STATE_MACHINE_NAME}`,
    });
    this.rule = new events.Rule(this, 'ModelUploaded', {
      description: `*.onnx uploaded to ${props.bucketName} -> ${ROLLOUT_STATE_MACHINE_NAME}`,
      eventPattern: toCdkEventPattern(rolloutEventPattern(props.bucketName)),
      targets: [new targets.SfnStateMachine(this.stateMachine, { role: startRole })],
    });

    acknowledge(
      this.stateMachine.role,
      'AwsSolutions-IAM5[Resource::*]',
      'X-Ray (PutTraceSegments, PutTelemetryRecords, GetSamplingRules/Targets) and CloudWatch Logs vended delivery (CreateLogDelivery, … DescribeResourcePolicies) support no resource-level permissions; CDK adds exactly these for tracing and execution logging.',
    );
  }
}

const S3_READ = ['s3:GetObject', 's3:GetObjectVersion'];

/** Why each wildcard is the narrowest scope IAM offers (cdk-nag IAM5 acknowledgements). */
export const WHY = {
  objects:
    'object ARNs name keys that do not exist yet; the pattern is one pipeline prefix (or the *.onnx suffix the rollout trigger matches) of the one model bucket, never the whole bucket',
  versions:
    'each rollout publishes a new hypermob-recommend version whose number is unknown at deploy time; <function ARN>:* covers the versions and aliases of this one function only',
  executions:
    'execution names are made per upload; the wildcard covers executions of hypermob-model-rollout only (superseding an older rollout stops it)',
  getMetricData:
    'cloudwatch:GetMetricData has no resource-level permissions (AWS Service Authorization Reference); it is read-only and used for the candidate-only health gates',
} as const;

/** The pattern module speaks EventBridge JSON (`detail-type`); CDK's type spells it `detailType`. */
export function toCdkEventPattern(pattern: ReturnType<typeof rolloutEventPattern>): events.EventPattern {
  const { 'detail-type': detailType, ...rest } = pattern;
  return { ...rest, detailType };
}
