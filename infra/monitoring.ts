import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { LIVE_ALIAS, RECOMMEND_FUNCTION_NAME } from '../system/manifest.js';

/**
 * Alarms an operator acts on and a topic that says how each rollout ended. The pipeline's own gates
 * (the traffic function) decide promotions; these alarms are the human-facing view of the same
 * signals, so they watch executed versions, never the alias as a whole: an old version's errors
 * must not page about a fix, and a new version's errors must not hide in the old one's volume.
 */
export interface MonitoringProps {
  stateMachine: sfn.IStateMachine;
  functionName?: string;
  aliasName?: string;
  latencyP99ThresholdMs: number;
  versionErrorsThreshold: number;
  alertEmail?: string;
}

/**
 * The version erring most behind the alias, whatever its number: a static alarm cannot name the
 * candidate (each rollout publishes a new one), so a Metrics Insights query groups by
 * ExecutedVersion and keeps the worst series. The dimensions are written out on purpose: CDK's
 * `Version.metric()` uses FunctionName=<fn>:<version> (aws-cdk#14248), which Lambda never emits for
 * traffic through an alias.
 */
export function worstVersionErrorsQuery(
  functionName = RECOMMEND_FUNCTION_NAME,
  aliasName = LIVE_ALIAS,
): string {
  return [
    'SELECT SUM(Errors) FROM SCHEMA("AWS/Lambda", ExecutedVersion, FunctionName, Resource)',
    `WHERE FunctionName = '${functionName}' AND Resource = '${functionName}:${aliasName}'`,
    'GROUP BY ExecutedVersion ORDER BY SUM() DESC LIMIT 1',
  ].join(' ');
}

export const TERMINAL_STATUSES = ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'] as const;

export class Monitoring extends Construct {
  readonly topic: sns.Topic;
  readonly versionErrors: cloudwatch.Alarm;
  readonly latency: cloudwatch.Alarm;
  readonly rolloutFailed: cloudwatch.Alarm;
  readonly outcomes: events.Rule;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const functionName = props.functionName ?? RECOMMEND_FUNCTION_NAME;
    const aliasName = props.aliasName ?? LIVE_ALIAS;

    this.topic = new sns.Topic(this, 'RolloutOutcomes', {
      topicName: 'hypermob-rollout-outcomes',
      displayName: 'hypermob model rollouts',
      enforceSSL: true,
    });
    Validations.of(this.topic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'Messages are rollout outcomes and alarm states (model keys, versions, no user data). The AWS-managed SNS key cannot be used by EventBridge or CloudWatch alarms, and a customer-managed key would add $1/month plus key-policy upkeep for no confidentiality gain.',
    });
    if (props.alertEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alertEmail));
    const notify = new cwActions.SnsAction(this.topic);

    this.versionErrors = new cloudwatch.Alarm(this, 'VersionErrors', {
      alarmName: `${functionName}-executed-version-errors`,
      alarmDescription: `Some version behind ${functionName}:${aliasName} (grouped by ExecutedVersion) had errors; check the rollout in progress.`,
      metric: new cloudwatch.MathExpression({
        expression: worstVersionErrorsQuery(functionName, aliasName),
        period: Duration.minutes(5),
        label: 'errors of the worst executed version',
      }),
      threshold: props.versionErrorsThreshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.latency = new cloudwatch.Alarm(this, 'LatencyP99', {
      alarmName: `${functionName}-p99-duration`,
      alarmDescription: `p99 duration of ${functionName}:${aliasName} above ${props.latencyP99ThresholdMs} ms in 2 of 3 five-minute periods.`,
      metric: new cloudwatch.Metric({
        namespace: 'AWS/Lambda',
        metricName: 'Duration',
        dimensionsMap: { FunctionName: functionName, Resource: `${functionName}:${aliasName}` },
        statistic: 'p99',
        period: Duration.minutes(5),
      }),
      threshold: props.latencyP99ThresholdMs,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.rolloutFailed = new cloudwatch.Alarm(this, 'RolloutFailed', {
      alarmName: 'hypermob-model-rollout-failed',
      alarmDescription:
        'A rollout execution failed (rejected model, rollback, or a fault); the SNS outcome message and rollouts/<execution>.json say which.',
      metric: props.stateMachine.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const alarms = [this.versionErrors, this.latency, this.rolloutFailed];
    for (const alarm of alarms) {
      alarm.addAlarmAction(notify);
      alarm.addOkAction(notify);
    }
    // The EventBridge target below writes a topic policy, and a topic policy replaces the default one
    // that let the account's CloudWatch alarms publish: without this statement every alarm action
    // fails with "not authorized to perform SNS:Publish". Scoped to these alarms only.
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          ArnLike: { 'aws:SourceArn': alarms.map((a) => a.alarmArn) },
          StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
        },
      }),
    );

    this.outcomes = new events.Rule(this, 'RolloutEnded', {
      description: 'hypermob-model-rollout reached a terminal status -> SNS',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { stateMachineArn: [props.stateMachine.stateMachineArn], status: [...TERMINAL_STATUSES] },
      },
      targets: [new targets.SnsTopic(this.topic)],
    });
  }
}
