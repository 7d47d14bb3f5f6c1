import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { reconcileEventPattern } from '../statemachines/rollout-reconcile.js';
import { ROLLOUT_STATE_MACHINE_NAME, rolloutEventPattern } from '../statemachines/rollout-trigger.js';
import { ROLLOUT_ASL_PATH, rolloutSubstitutions } from '../statemachines/substitutions.js';
import { type Deployment, functionEnvironment } from '../system/environment.js';
import { ROLLOUT_OBSERVABILITY } from '../system/manifest.js';
import { BundledFunction } from './bundled-function.js';
import { acknowledge } from './nag.js';
import { grantManifestPermissions } from './roles.js';

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
  /** Each rollout function's reserved concurrency (infra/config.ts, rolloutReservedConcurrency); 0: none. */
  reservedConcurrency: number;
}

export class Rollout extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly rule: events.Rule;
  /** Executions that ended without succeeding → the traffic function's reconciler. */
  readonly reconcileRule: events.Rule;
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
    const common = { logRetention: props.logRetention, reservedConcurrency: props.reservedConcurrency };
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
    // Each function's statements are data (system/permissions.ts), enforced by the local cloud too.
    const names = {
      bucketArn: props.bucket.bucketArn,
      recommendArn: props.recommend.functionArn,
      stateMachineArn,
      executionsArn: executionArns,
      initialModelKey: props.initialModelKey,
    };
    grantManifestPermissions(this.validate.role, 'validate', names);
    grantManifestPermissions(this.release.role, 'release', names);
    grantManifestPermissions(this.traffic.role, 'traffic', names);

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
      // The same logging and tracing the local cloud describes (system/manifest.ts says why).
      logs: {
        destination: logGroup,
        level: sfn.LogLevel[ROLLOUT_OBSERVABILITY.loggingConfiguration.level],
        includeExecutionData: ROLLOUT_OBSERVABILITY.loggingConfiguration.includeExecutionData,
      },
      tracingEnabled: ROLLOUT_OBSERVABILITY.tracingConfiguration.enabled,
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

    // Step Functions' own status-change events (best effort): an execution that ended ABORTED,
    // FAILED or TIMED_OUT may have left its canary weight on live; the traffic function removes it.
    // EventBridge invokes Lambda asynchronously, and Lambda retries a failed or throttled attempt.
    this.reconcileRule = new events.Rule(this, 'RolloutEnded', {
      description: `${ROLLOUT_STATE_MACHINE_NAME} execution ended ABORTED/FAILED/TIMED_OUT -> reconcile alias live`,
      eventPattern: toCdkEventPattern(reconcileEventPattern(stateMachineArn)),
      targets: [
        new targets.LambdaFunction(this.traffic.function, {
          retryAttempts: 185,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });

    acknowledge(
      this.stateMachine.role,
      'AwsSolutions-IAM5[Resource::*]',
      'X-Ray (PutTraceSegments, PutTelemetryRecords, GetSamplingRules/Targets) and CloudWatch Logs vended delivery (CreateLogDelivery, … DescribeResourcePolicies) support no resource-level permissions; CDK adds exactly these for tracing and execution logging.',
    );
  }
}

/** The pattern module speaks EventBridge JSON (`detail-type`); CDK's type spells it `detailType`. */
export function toCdkEventPattern(
  pattern: { 'detail-type': string[] } & Record<string, unknown>,
): events.EventPattern {
  const { 'detail-type': detailType, ...rest } = pattern;
  return { ...rest, detailType } as events.EventPattern;
}
