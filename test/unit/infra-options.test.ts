import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../../functions/shared/request.js';
import { rolloutEventPattern } from '../../statemachines/rollout-trigger.js';
import { LIVE_ALIAS, RECOMMEND_FUNCTION_NAME } from '../../system/manifest.js';
import { type Synthesized, synthesize } from '../support/synth.js';

/**
 * Every optional setting switched on at once (one synthesis): another bucket name, an initial
 * model, provisioned concurrency, CORS, WAF, an alert email, a linear rollout default.
 */
const SHA = 'c0ffee'.repeat(10).concat('abcd');
let s: Synthesized;
let t: Template;

beforeAll(async () => {
  s = await synthesize({
    bundleDir: 'dist/test-cdk/options',
    context: {
      stackName: 'HypermobStaging',
      region: 'eu-central-1',
      account: '123456789012',
      modelBucketName: 'acme-hypermob-models-staging',
      initialModelKey: 'car_fit_model.onnx',
      initialModelSha256: SHA,
      initialModelVersionId: 'v-123',
      provisionedConcurrency: '2',
      corsAllowOrigins: 'https://fit.example.com',
      wafEnabled: 'true',
      alertEmail: 'ops@example.com',
      rolloutStrategy: 'linear',
      rolloutIntervalSeconds: '120',
      throttleRateLimit: '20',
      throttleBurstLimit: '40',
    },
  });
  t = s.template;
}, 300_000);

afterAll(() => s?.cleanup());

describe('options from CDK context', () => {
  it('still has zero unacknowledged findings (WAF now satisfies APIG3 by itself)', () => {
    expect(s.findings).toEqual([]);
    expect(s.stack.stackName).toBe('HypermobStaging');
    expect(s.stack.region).toBe('eu-central-1');
    expect(s.stack.account).toBe('123456789012');
  });

  it('the bucket, the rule and every function use the configured bucket name', () => {
    t.hasResourceProperties('AWS::S3::Bucket', { BucketName: 'acme-hypermob-models-staging' });
    t.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectEquals(rolloutEventPattern('acme-hypermob-models-staging')),
    });
    t.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: RECOMMEND_FUNCTION_NAME,
      Environment: {
        Variables: Match.objectLike({
          MODEL_BUCKET: 'acme-hypermob-models-staging',
          MODEL_KEY: 'car_fit_model.onnx',
          MODEL_SHA256: SHA,
          MODEL_VERSION_ID: 'v-123',
        }),
      },
    });
    t.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'hypermob-rollout-traffic',
      Environment: {
        Variables: Match.objectLike({ DEFAULT_ROLLOUT: 'linear', DEFAULT_INTERVAL_SECONDS: '120' }),
      },
    });
  });

  it('recommend and validate may read the initial model by its exact key (no wildcard)', () => {
    const policies = Object.values(t.findResources('AWS::IAM::Policy')).map((r) => JSON.stringify(r));
    const exact = policies.filter((p) => p.includes('/car_fit_model.onnx"'));
    expect(exact).toHaveLength(2);
  });

  it('provisions concurrency on alias live', () => {
    t.hasResourceProperties('AWS::Lambda::Alias', {
      Name: LIVE_ALIAS,
      ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 2 },
    });
  });

  it('answers CORS preflight for the configured origin only', () => {
    t.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'OPTIONS',
      Integration: Match.objectLike({
        IntegrationResponses: [
          Match.objectLike({
            ResponseParameters: Match.objectLike({
              'method.response.header.Access-Control-Allow-Origin': "'https://fit.example.com'",
            }),
          }),
        ],
      }),
    });
    t.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: Match.arrayWith([
        Match.objectLike({ ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 }),
      ]),
    });
  });

  it('a WAF web ACL on the stage blocks bodies over the function limit and floods per IP', () => {
    t.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'REGIONAL',
      Rules: Match.arrayWith([
        Match.objectLike({
          Action: { Block: {} },
          Statement: {
            SizeConstraintStatement: Match.objectLike({
              ComparisonOperator: 'GT',
              Size: MAX_BODY_BYTES,
              FieldToMatch: { Body: { OversizeHandling: 'MATCH' } },
            }),
          },
        }),
        Match.objectLike({ Statement: { RateBasedStatement: Match.objectLike({ AggregateKeyType: 'IP' }) } }),
      ]),
    });
    t.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
  });

  it('subscribes the alert email to the outcomes topic', () => {
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
  });
});
