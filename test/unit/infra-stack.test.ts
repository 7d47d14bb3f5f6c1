import { existsSync, readFileSync } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_MODEL_KEY, NO_MODEL_SHA256 } from '../../infra/recommend-service.js';
import { UNSUCCESSFUL_END_STATUSES } from '../../statemachines/rollout-reconcile.js';
import { ROLLOUT_STATE_MACHINE_NAME, rolloutEventPattern } from '../../statemachines/rollout-trigger.js';
import { ROLLOUT_ASL_PATH, ROLLOUT_PLACEHOLDERS, substitute } from '../../statemachines/substitutions.js';
import { FUNCTIONS, type FunctionKey, LIVE_ALIAS, RECOMMEND_FUNCTION_NAME } from '../../system/manifest.js';
import { PERMISSIONS } from '../../system/permissions.js';
import { type Synthesized, synthesize } from '../support/synth.js';

/** The default deployment (no context), synthesized once with the real arm64 bundles and cdk-nag. */
let s: Synthesized;
let t: Template;
/** The default bucket name as the template spells it: hypermob-models-<account>-<region>. */
let BUCKET: unknown;
let resources: Record<
  string,
  { Type: string; Properties?: Record<string, unknown>; DeletionPolicy?: string }
>;

beforeAll(async () => {
  s = await synthesize({ bundleDir: 'dist/test-cdk/default' });
  t = s.template;
  resources = t.toJSON().Resources;
  BUCKET = s.stack.resolve(s.stack.bucketName);
  console.log(`synth ${Math.round(s.synthMs)} ms`);
}, 300_000);

afterAll(() => s?.cleanup());

function logicalId(type: string, match: (p: Record<string, unknown>) => boolean): string {
  const found = Object.entries(resources).filter(([, r]) => r.Type === type && match(r.Properties ?? {}));
  expect(found, `one ${type}`).toHaveLength(1);
  return (found[0] as [string, unknown])[0];
}

const functionId = (key: FunctionKey) =>
  logicalId('AWS::Lambda::Function', (p) => p.FunctionName === FUNCTIONS[key].name);

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

/** The statements of every policy attached to a function's role. */
function statementsOf(key: FunctionKey): Statement[] {
  const fn = resources[functionId(key)]?.Properties as { Role: { 'Fn::GetAtt': [string, string] } };
  const roleId = fn.Role['Fn::GetAtt'][0];
  expect(resources[roleId]?.Properties?.ManagedPolicyArns, 'no managed policies').toBeUndefined();
  return statementsOfRole(roleId);
}

function statementsOfRole(roleId: string): Statement[] {
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy')
    .map((r) => r.Properties ?? {})
    .filter((p) => JSON.stringify(p.Roles) === JSON.stringify([{ Ref: roleId }]))
    .flatMap((p) => (p.PolicyDocument as { Statement: Statement[] }).Statement);
}

const actions = (st: Statement) => (Array.isArray(st.Action) ? st.Action : [st.Action]);
const resourcesText = (st: Statement) => JSON.stringify(st.Resource);
const allActions = (key: FunctionKey) => [...new Set(statementsOf(key).flatMap(actions))].sort();
const bySid = (key: FunctionKey, sid: string) => {
  const st = statementsOf(key).find((x) => x.Sid === sid);
  expect(st, `${key} ${sid}`).toBeDefined();
  return st as Statement;
};

describe('cdk-nag and CloudFormation validation', () => {
  it('reports zero unacknowledged findings (errors or warnings)', () => {
    expect(s.findings).toEqual([]);
  });

  it('every acknowledgement carries a reason', () => {
    // Validations.acknowledge records { [rule id]: reason } as construct metadata.
    const acks = s.app.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules'))
      .flatMap((m) =>
        Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({ id, reason })),
      );
    expect(acks.length).toBeGreaterThan(5);
    for (const a of acks) expect(a.reason?.length ?? 0, a.id).toBeGreaterThanOrEqual(20);
  });
});

describe('model bucket', () => {
  it('is versioned, SSE-S3 encrypted, private, logged, EventBridge-enabled and kept on delete and on replacement', () => {
    t.hasResource('AWS::S3::Bucket', {
      // A failed first deployment deletes the bucket it created, so the retry is not blocked by it.
      DeletionPolicy: 'RetainExceptOnCreate',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        BucketName: BUCKET,
        VersioningConfiguration: { Status: 'Enabled' },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        LoggingConfiguration: Match.objectLike({ DestinationBucketName: Match.anyValue() }),
        LifecycleConfiguration: {
          Rules: Match.arrayWith([
            Match.objectLike({
              Status: 'Enabled',
              NoncurrentVersionExpiration: { NoncurrentDays: 90, NewerNoncurrentVersions: 10 },
            }),
          ]),
        },
      }),
    });
    t.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: Match.objectLike({ EventBridgeConfiguration: {} }),
    });
  });

  it('is named per account and region on AWS (bucket names are global); the local cloud keeps the plain name', () => {
    expect(JSON.stringify(BUCKET)).toContain('hypermob-models-');
    expect(JSON.stringify(BUCKET)).toContain('AWS::AccountId');
    expect(JSON.stringify(BUCKET)).toContain('AWS::Region');
  });

  it('denies every request without TLS', () => {
    const bucketId = logicalId(
      'AWS::S3::Bucket',
      (p) => JSON.stringify(p.BucketName) === JSON.stringify(BUCKET),
    );
    t.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });
});

describe('functions', () => {
  it.each(Object.keys(FUNCTIONS) as FunctionKey[])('%s: Node.js 22 on arm64, sized by the catalog', (key) => {
    const spec = FUNCTIONS[key];
    t.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: spec.name,
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: spec.memoryMb,
      Timeout: spec.timeoutSeconds,
      LoggingConfig: Match.objectLike({ LogGroup: Match.anyValue() }),
    });
  });

  it('recommend starts unpinned: MODEL_* point at a key no one writes, so it serves the fallback', () => {
    t.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: RECOMMEND_FUNCTION_NAME,
      Environment: {
        Variables: Match.objectLike({
          MODEL_BUCKET: BUCKET,
          MODEL_KEY: NO_MODEL_KEY,
          MODEL_SHA256: NO_MODEL_SHA256,
        }),
      },
    });
  });

  it('rollout functions get their config.ts variables with the AWS defaults', () => {
    t.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: FUNCTIONS.traffic.name,
      Environment: {
        Variables: Match.objectLike({
          RECOMMEND_FUNCTION_NAME,
          LIVE_ALIAS,
          MODEL_BUCKET: BUCKET,
          DEFAULT_ROLLOUT: 'canary',
          DEFAULT_WEIGHT: '0.1',
          DEFAULT_INTERVAL_SECONDS: '300',
        }),
      },
    });
    t.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: FUNCTIONS.validate.name,
      Environment: {
        Variables: Match.objectLike({
          MODEL_BUCKET: BUCKET,
          MAX_REGRESSION: '0.05',
        }),
      },
    });
    t.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: FUNCTIONS.release.name,
      Environment: { Variables: Match.objectLike({ RECOMMEND_FUNCTION_NAME, LIVE_ALIAS }) },
    });
  });
});

describe('least privilege', () => {
  const recommendArn = () => ({ 'Fn::GetAtt': [functionId('recommend'), 'Arn'] });
  const bucketArn = () => ({
    'Fn::GetAtt': [
      logicalId('AWS::S3::Bucket', (p) => JSON.stringify(p.BucketName) === JSON.stringify(BUCKET)),
      'Arn',
    ],
  });
  const objects = (pattern: string) => ({ 'Fn::Join': ['', [bucketArn(), `/${pattern}`]] });
  const secretRef = () => ({ Ref: logicalId('AWS::SecretsManager::Secret', () => true) });

  it('no function has a wildcard action; only GetMetricData has a wildcard resource', () => {
    for (const key of Object.keys(FUNCTIONS) as FunctionKey[]) {
      for (const st of statementsOf(key)) {
        expect(st.Effect).toBe('Allow');
        for (const a of actions(st)) expect(a, `${key} ${a}`).not.toContain('*');
        if (st.Resource === '*') expect(actions(st)).toEqual(['cloudwatch:GetMetricData']);
      }
    }
  });

  it('recommend reads pinned model objects and its signing key, and writes its logs, nothing else', () => {
    expect(allActions('recommend')).toEqual([
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      's3:GetObject',
      's3:GetObjectVersion',
      'secretsmanager:GetSecretValue',
    ]);
    expect(bySid('recommend', 'ReadPinnedModels').Resource).toEqual(objects('pinned/*'));
    expect(bySid('recommend', 'ReadRecommendationKey').Resource).toEqual(secretRef());
  });

  it('feedback reads the recommendation key secret (that one secret) and writes its logs, nothing else', () => {
    expect(allActions('feedback')).toEqual([
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'secretsmanager:GetSecretValue',
    ]);
    expect(bySid('feedback', 'ReadRecommendationKey').Resource).toEqual(secretRef());
  });

  it('validate reads models and golden data, writes reports, and only reads the recommend function', () => {
    expect(bySid('validate', 'ReadCandidateLiveAndGolden').Resource).toEqual([
      objects('*.onnx'),
      objects('pinned/*'),
      objects('golden/*'),
    ]);
    const writes = statementsOf('validate').filter((st) => actions(st).includes('s3:PutObject'));
    expect(writes.map((st) => st.Resource)).toEqual([objects('reports/*')]);
    expect(allActions('validate').filter((a) => a.startsWith('lambda:'))).toEqual([
      'lambda:GetAlias',
      'lambda:GetFunctionConfiguration',
    ]);
  });

  it('release and traffic may change only hypermob-recommend and its live alias', () => {
    const mutating = [
      'lambda:UpdateFunctionConfiguration',
      'lambda:PublishVersion',
      'lambda:UpdateAlias',
      'lambda:InvokeFunction',
    ];
    const allowed = [
      JSON.stringify(recommendArn()),
      JSON.stringify({ 'Fn::Join': ['', [recommendArn(), `:${LIVE_ALIAS}`]] }),
      JSON.stringify({ 'Fn::Join': ['', [recommendArn(), ':*']] }),
    ];
    let seen = 0;
    for (const key of ['release', 'traffic'] as const) {
      for (const st of statementsOf(key).filter((x) => actions(x).some((a) => mutating.includes(a)))) {
        const list = Array.isArray(st.Resource) ? st.Resource : [st.Resource];
        for (const r of list) expect(allowed, `${key} ${st.Sid}`).toContain(JSON.stringify(r));
        seen++;
      }
    }
    expect(seen).toBeGreaterThanOrEqual(3);
    expect(bySid('release', 'ProbeNewVersion').Resource).toEqual({
      'Fn::Join': ['', [recommendArn(), ':*']],
    });
    for (const key of ['validate', 'recommend'] as const) {
      expect(
        allActions(key).filter((a) => mutating.includes(a)),
        key,
      ).toEqual([]);
    }
  });

  it('traffic lists and stops executions of the rollout state machine only', () => {
    expect(resourcesText(bySid('traffic', 'ListRollouts'))).toContain(
      `:stateMachine:${ROLLOUT_STATE_MACHINE_NAME}"`,
    );
    expect(actions(bySid('traffic', 'SupersedeRollouts'))).toEqual([
      'states:DescribeExecution',
      'states:StopExecution',
    ]);
    expect(resourcesText(bySid('traffic', 'SupersedeRollouts'))).toContain(
      `:execution:${ROLLOUT_STATE_MACHINE_NAME}:*"`,
    );
    expect(bySid('traffic', 'ReadCandidateMetrics').Resource).toBe('*');
    expect(bySid('traffic', 'Lineage').Resource).toEqual(objects('rollouts/*'));
  });

  it('the rollout roles may list the bucket, so a missing key is 404 and not 403 (lineage, pins, golden data)', () => {
    for (const key of ['validate', 'release', 'traffic'] as const) {
      const list = statementsOf(key).filter((st) => actions(st).includes('s3:ListBucket'));
      expect(
        list.map((st) => st.Resource),
        key,
      ).toEqual([bucketArn()]);
    }
    expect(allActions('recommend')).not.toContain('s3:ListBucket');
  });

  it('every role holds exactly the statements of system/permissions.ts (the local cloud enforces the same)', () => {
    for (const key of Object.keys(FUNCTIONS) as FunctionKey[]) {
      const sids = statementsOf(key)
        .map((st) => st.Sid)
        .filter((sid) => sid !== 'OwnLogs');
      expect(sids.sort(), key).toEqual(PERMISSIONS[key].map((st) => st.sid).sort());
    }
  });
});

describe('the staged recommend asset (what cdk deploy uploads)', () => {
  it('is ≤ 50 MB and its onnxruntime binaries are AArch64 ELF (e_machine 183)', async () => {
    // The template names the zip by the asset hash; the cloud assembly stages the directory as asset.<hash>.
    const code = resources[functionId('recommend')]?.Properties?.Code as { S3Key: string };
    const dir = path.join(s.app.outdir, `asset.${code.S3Key.replace(/\.zip$/, '')}`);
    let bytes = 0;
    const natives: string[] = [];
    for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
      if (!e.isFile()) continue;
      const file = path.join(e.parentPath, e.name);
      bytes += (await stat(file)).size;
      if (e.name.endsWith('.node') || e.name.includes('.so')) natives.push(file);
    }
    console.log(`staged recommend asset ${(bytes / 1024 / 1024).toFixed(1)} MB`);
    expect(bytes).toBeLessThanOrEqual(50 * 1024 * 1024);
    expect(natives).toHaveLength(2);
    for (const f of natives) {
      const head = Buffer.alloc(20);
      const fh = await open(f, 'r');
      await fh.read(head, 0, 20, 0);
      await fh.close();
      expect(head.readUInt16LE(18), f).toBe(183);
    }
    expect(existsSync(path.join(dir, '.inputs.json')), 'build-machine paths stay out of the asset').toBe(
      false,
    );
  });
});

describe('alias live and the REST API', () => {
  it('live sits on a version published once, which later deployments never re-publish', () => {
    const versionId = logicalId('AWS::Lambda::Version', () => true);
    const version = resources[versionId];
    expect(version?.DeletionPolicy).toBe('Retain');
    // Only the function name: no CodeSha256 or other property that changes with the code.
    expect(Object.keys(version?.Properties ?? {}).sort()).toEqual(['Description', 'FunctionName']);
    t.hasResourceProperties('AWS::Lambda::Alias', {
      Name: LIVE_ALIAS,
      FunctionName: { Ref: functionId('recommend') },
      FunctionVersion: { 'Fn::GetAtt': [versionId, 'Version'] },
      ProvisionedConcurrencyConfig: Match.absent(),
    });
  });

  it('POST /recommend integrates with the alias, not the function', () => {
    const aliasId = logicalId('AWS::Lambda::Alias', () => true);
    t.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'POST',
      AuthorizationType: 'NONE',
      RequestValidatorId: Match.anyValue(),
      Integration: Match.objectLike({
        Type: 'AWS_PROXY',
        Uri: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([{ Ref: aliasId }])] }),
      }),
    });
    t.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { Ref: aliasId },
      Principal: 'apigateway.amazonaws.com',
    });
    t.resourceCountIs('AWS::ApiGateway::Method', 2); // /recommend and /feedback; no OPTIONS: CORS is off by default
  });

  it('POST /feedback on the same API integrates with hypermob-feedback itself (it is not rolled out)', () => {
    const feedbackResource = logicalId('AWS::ApiGateway::Resource', (p) => p.PathPart === 'feedback');
    const recommendResource = logicalId('AWS::ApiGateway::Resource', (p) => p.PathPart === 'recommend');
    expect(resources[feedbackResource]?.Properties?.RestApiId).toEqual(
      resources[recommendResource]?.Properties?.RestApiId,
    );
    t.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'POST',
      ResourceId: { Ref: feedbackResource },
      RequestValidatorId: Match.anyValue(),
      Integration: Match.objectLike({
        Type: 'AWS_PROXY',
        Uri: Match.objectLike({
          'Fn::Join': ['', Match.arrayWith([{ 'Fn::GetAtt': [functionId('feedback'), 'Arn'] }])],
        }),
      }),
    });
    t.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [functionId('feedback'), 'Arn'] },
      Principal: 'apigateway.amazonaws.com',
    });
  });

  it('stage prod throttles, logs access and validates bodies', () => {
    t.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'prod',
      AccessLogSetting: Match.objectLike({ DestinationArn: Match.anyValue() }),
      MethodSettings: Match.arrayWith([
        Match.objectLike({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100, LoggingLevel: 'ERROR' }),
      ]),
    });
    t.hasResourceProperties('AWS::ApiGateway::RequestValidator', {
      ValidateRequestBody: true,
      ValidateRequestParameters: true,
    });
    t.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'BAD_REQUEST_BODY',
      ResponseTemplates: { 'application/json': Match.stringLikeRegexp('"status":"error"') },
    });
    t.resourceCountIs('AWS::WAFv2::WebACL', 0);
  });
});

describe('rollout', () => {
  it('the EventBridge rule is exactly rolloutEventPattern() and starts the state machine with a role', () => {
    const smId = logicalId('AWS::StepFunctions::StateMachine', () => true);
    t.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectEquals(
        JSON.parse(JSON.stringify(rolloutEventPattern('X')).replace('"X"', JSON.stringify(BUCKET))),
      ),
      Targets: [Match.objectLike({ Arn: { Ref: smId }, RoleArn: Match.anyValue() })],
    });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [Match.objectLike({ Action: 'states:StartExecution', Resource: { Ref: smId } })],
      },
    });
  });

  it('the state machine comes from the ASL file with logging ALL and X-Ray', () => {
    t.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineName: ROLLOUT_STATE_MACHINE_NAME,
      DefinitionS3Location: Match.anyValue(),
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: true }),
      TracingConfiguration: { Enabled: true },
    });
  });

  it('every placeholder is substituted with the ARN of its function; no ${ is left', () => {
    const sm = Object.values(resources).find((r) => r.Type === 'AWS::StepFunctions::StateMachine');
    const subs = sm?.Properties?.DefinitionSubstitutions as Record<string, unknown>;
    expect(Object.keys(subs).sort()).toEqual(Object.keys(ROLLOUT_PLACEHOLDERS).sort());
    const text: Record<string, string> = {};
    for (const [name, key] of Object.entries(ROLLOUT_PLACEHOLDERS)) {
      const v = JSON.stringify(subs[name]);
      expect(v).toContain(`:function:${FUNCTIONS[key].name}"`);
      text[name] = `arn:aws:lambda:eu-west-1:123456789012:function:${FUNCTIONS[key].name}`;
    }
    const definition = substitute(readFileSync(ROLLOUT_ASL_PATH, 'utf8'), text);
    expect(definition).not.toContain('${');
    expect(() => JSON.parse(definition)).not.toThrow();
  });

  it('the state machine may invoke exactly the three rollout functions', () => {
    const sm = resources[logicalId('AWS::StepFunctions::StateMachine', () => true)]?.Properties ?? {};
    const smRole = (sm.RoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const invoke = statementsOfRole(smRole).filter((st) => actions(st).includes('lambda:InvokeFunction'));
    expect(
      invoke.map((st) => st.Resource).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    ).toEqual(
      (['release', 'traffic', 'validate'] as const)
        .map((k) => ({ 'Fn::GetAtt': [functionId(k), 'Arn'] }))
        .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    );
  });
});

describe('monitoring', () => {
  it('alarms on errors by ExecutedVersion behind the alias, not on the alias as a whole', () => {
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: [
        Match.objectLike({
          Expression: Match.stringLikeRegexp(
            `SCHEMA\\("AWS/Lambda", ExecutedVersion, FunctionName, Resource\\).*Resource = '${RECOMMEND_FUNCTION_NAME}:${LIVE_ALIAS}'.*GROUP BY ExecutedVersion`,
          ),
        }),
      ],
      AlarmActions: [Match.anyValue()],
    });
  });

  it('alarms on p99 duration of the alias and on failed rollouts', () => {
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Duration',
      ExtendedStatistic: 'p99',
      Threshold: 1000,
      Dimensions: Match.arrayWith([{ Name: 'Resource', Value: `${RECOMMEND_FUNCTION_NAME}:${LIVE_ALIAS}` }]),
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/States',
      MetricName: 'ExecutionsFailed',
      Threshold: 1,
    });
  });

  it('rollout outcomes go to an SNS topic; no subscription without alertEmail', () => {
    const topicId = logicalId('AWS::SNS::Topic', () => true);
    t.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: Match.objectLike({ status: ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'] }),
      },
      Targets: [Match.objectLike({ Arn: { Ref: topicId } })],
    });
    t.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('the topic policy lets EventBridge and this stack’s alarms publish (one policy replaces the default)', () => {
    const policies = Object.values(resources).filter((r) => r.Type === 'AWS::SNS::TopicPolicy');
    expect(policies).toHaveLength(1);
    const document = policies[0]?.Properties?.PolicyDocument as { Statement: Record<string, unknown>[] };
    const statements = document.Statement;
    const principals = statements
      .filter((st) => st.Effect === 'Allow')
      .map((st) => (st.Principal as { Service: string }).Service)
      .sort();
    expect(principals).toEqual(['cloudwatch.amazonaws.com', 'events.amazonaws.com']);
    const alarms = statements.find((st) => st.Sid === 'AlarmsPublish') as {
      Condition: { ArnLike: { 'aws:SourceArn': unknown[] } };
    };
    const alarmIds = Object.entries(resources)
      .filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm')
      .map(([id]) => id)
      .sort();
    const named = alarms.Condition.ArnLike['aws:SourceArn'].map(
      (a) => (a as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0],
    );
    expect(named.sort()).toEqual(alarmIds);
  });
});

describe('recommendation key', () => {
  const secretId = () => logicalId('AWS::SecretsManager::Secret', () => true);

  it('is one secret generated by CloudFormation: no value in the template, no fixed name', () => {
    t.resourceCountIs('AWS::SecretsManager::Secret', 1);
    const props = resources[secretId()]?.Properties ?? {};
    expect(props.GenerateSecretString).toEqual({
      PasswordLength: 64,
      ExcludePunctuation: true,
      IncludeSpace: false,
    });
    expect(props.SecretString).toBeUndefined();
    expect(props.Name).toBeUndefined();
  });

  it('reaches recommend and feedback as RECOMMENDATION_KEY_SECRET (its ARN); feedback gets its max age', () => {
    for (const key of ['recommend', 'feedback'] as const) {
      t.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: FUNCTIONS[key].name,
        Environment: { Variables: Match.objectLike({ RECOMMENDATION_KEY_SECRET: { Ref: secretId() } }) },
      });
    }
    t.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: FUNCTIONS.feedback.name,
      Environment: { Variables: Match.objectLike({ FEEDBACK_MAX_AGE_SECONDS: String(7 * 86_400) }) },
    });
  });

  it('the feedback function ships no onnxruntime and is small', () => {
    expect(FUNCTIONS.feedback.onnxruntime).toBe(false);
    expect(resources[functionId('feedback')]?.Properties?.MemorySize).toBeLessThanOrEqual(256);
  });
});

describe('pipeline integrity', () => {
  it('the reconcile rule sends executions that ended ABORTED/FAILED/TIMED_OUT to the traffic function', () => {
    const trafficId = functionId('traffic');
    const rules = Object.values(resources).filter(
      (r) => r.Type === 'AWS::Events::Rule' && JSON.stringify(r.Properties).includes('aws.states'),
    );
    const reconcile = rules.find((r) =>
      JSON.stringify(r.Properties?.Targets).includes(trafficId),
    ) as unknown as {
      Properties: { EventPattern: Record<string, unknown>; Targets: unknown[] };
    };
    expect(reconcile, 'a rule targeting the traffic function').toBeDefined();
    const pattern = s.stack.resolve(reconcile.Properties.EventPattern) as {
      source: string[];
      'detail-type': string[];
      detail: { status: string[]; stateMachineArn: unknown[] };
    };
    expect(pattern.source).toEqual(['aws.states']);
    expect(pattern['detail-type']).toEqual(['Step Functions Execution Status Change']);
    expect(pattern.detail.status).toEqual([...UNSUCCESSFUL_END_STATUSES]);
    expect(JSON.stringify(pattern.detail.stateMachineArn)).toContain(ROLLOUT_STATE_MACHINE_NAME);
    t.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [trafficId, 'Arn'] },
    });
  });

  it('each rollout function has reserved concurrency; recommend has none', () => {
    for (const key of ['validate', 'release', 'traffic'] as const) {
      expect(resources[functionId(key)]?.Properties?.ReservedConcurrentExecutions).toBe(5);
    }
    expect(resources[functionId('recommend')]?.Properties?.ReservedConcurrentExecutions).toBeUndefined();
  });
});

describe('model bucket: the pipeline prefixes and the uploader', () => {
  it('the bucket policy carries system/bucket-policy.ts: deny writes under the pipeline prefixes except the pipeline roles', () => {
    const policy = Object.values(resources).find(
      (r) =>
        r.Type === 'AWS::S3::BucketPolicy' &&
        JSON.stringify(r.Properties).includes('OnlyThePipelineWritesItsPrefixes'),
    );
    expect(policy).toBeDefined();
    const doc = s.stack.resolve(policy?.Properties?.PolicyDocument) as {
      Statement: Record<string, unknown>[];
    };
    const deny = doc.Statement.find((x) => x.Sid === 'OnlyThePipelineWritesItsPrefixes') as {
      Effect: string;
      Action: string[];
      Resource: unknown[];
      Condition: { ArnNotLike: { 'aws:PrincipalArn': unknown[] } };
    };
    expect(deny.Effect).toBe('Deny');
    expect(deny.Action).toEqual(['s3:PutObject', 's3:DeleteObject', 's3:DeleteObjectVersion']);
    expect(JSON.stringify(deny.Resource)).toMatch(/pinned\/\*.*golden\/\*.*reports\/\*.*rollouts\/\*/);
    const excepted = JSON.stringify(deny.Condition.ArnNotLike['aws:PrincipalArn']);
    for (const key of ['validate', 'release', 'traffic'] as const) {
      const fn = resources[functionId(key)]?.Properties as { Role: { 'Fn::GetAtt': [string, string] } };
      expect(excepted).toContain(fn.Role['Fn::GetAtt'][0]);
    }
    const recommend = resources[functionId('recommend')]?.Properties as {
      Role: { 'Fn::GetAtt': [string, string] };
    };
    expect(excepted).not.toContain(recommend.Role['Fn::GetAtt'][0]);
  });

  it('exports an uploader managed policy: PutObject of *.onnx only', () => {
    t.hasOutput('UploaderPolicyArn', Match.anyValue());
    t.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Sid: 'UploadModels', Action: 's3:PutObject', Resource: Match.anyValue() }),
        ]),
      },
    });
  });
});
