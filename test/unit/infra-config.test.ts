import { readFileSync } from 'node:fs';
import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { loadConfig as loadRecommendConfig } from '../../functions/recommend/config.js';
import { parseReleaseConfig, releaseWiringSchema } from '../../functions/rollout/release/config.js';
import { parseTrafficConfig, trafficWiringSchema } from '../../functions/rollout/traffic/config.js';
import {
  loadConfig as loadValidateConfig,
  wiringSchema as validateWiringSchema,
} from '../../functions/rollout/validate/config.js';
import { CONTEXT_KEYS, InvalidContextError, readConfig } from '../../infra/config.js';
import { allow, nagResourceText } from '../../infra/nag.js';
import { initialModelEnvironment, NO_MODEL_KEY } from '../../infra/recommend-service.js';
import { functionEnvironment } from '../../system/environment.js';
import { settingsOf } from '../../system/settings.js';

/** Context as the CLI hands it over: `-c key=value` values are strings. */
const context = (values: Record<string, unknown>) => (key: string) => values[key];

describe('readConfig (CDK context)', () => {
  it('has the documented defaults', () => {
    const c = readConfig(context({}));
    expect(c).toMatchObject({
      stackName: 'Hypermob',
      noncurrentVersionDays: 90,
      noncurrentVersionsKept: 10,
      initialModelKey: '',
      provisionedConcurrency: 0,
      throttleRateLimit: 50,
      throttleBurstLimit: 100,
      corsAllowOrigins: [],
      wafEnabled: false,
      latencyP99ThresholdMs: 1000,
      logRetentionDays: 30,
    });
    expect(c.settings).toMatchObject({
      DEFAULT_ROLLOUT: 'canary',
      DEFAULT_WEIGHT: 0.1,
      DEFAULT_INTERVAL_SECONDS: 300,
      GATE_MIN_SAMPLES: 20,
      GATE_PERIOD_SECONDS: 60,
      MAX_REGRESSION: 0.05,
    });
    expect(c.alertEmail).toBeUndefined();
    expect(c.modelBucketName).toBeUndefined(); // per account and region on AWS (infra/hypermob-stack.ts)
    expect(c.region).toBeUndefined();
    expect(c.account).toBeUndefined();
  });

  it('coerces command-line strings', () => {
    const c = readConfig(
      context({
        provisionedConcurrency: '2',
        wafEnabled: 'true',
        corsAllowOrigins: 'https://a.example, https://b.example',
        rolloutWeight: '0.25',
        alertEmail: 'ops@example.com',
        logRetentionDays: '90',
        throttleRateLimit: '',
      }),
    );
    expect(c).toMatchObject({
      provisionedConcurrency: 2,
      wafEnabled: true,
      corsAllowOrigins: ['https://a.example', 'https://b.example'],
      alertEmail: 'ops@example.com',
      logRetentionDays: 90,
      throttleRateLimit: 50,
    });
    expect(c.settings.DEFAULT_WEIGHT).toBe(0.25);
  });

  it.each([
    [{ rolloutWeight: '1' }, 'rolloutWeight'],
    [{ region: 'Frankfurt' }, 'region'],
    [{ account: '1234' }, 'account'],
    [{ rolloutStrategy: 'blue-green' }, 'rolloutStrategy'],
    [{ modelBucketName: 'Not_A_Bucket' }, 'modelBucketName'],
    [{ wafEnabled: 'yes' }, 'wafEnabled'],
    [{ logRetentionDays: '31' }, 'logRetentionDays: must be one of 7, 14, 30, 90, 365 (given "31")'],
    [{ gateMinSamples: 'many' }, 'gateMinSamples'],
    [{ maxRegression: '2' }, 'maxRegression'],
    [{ initialModelKey: 'car_fit_model.onnx' }, 'initialModelSha256'],
    [{ throttleRateLimit: '500', throttleBurstLimit: '100' }, 'throttleBurstLimit'],
  ])('rejects %j naming %s', (values, name) => {
    expect(() => readConfig(context(values))).toThrow(InvalidContextError);
    expect(() => readConfig(context(values))).toThrow(name);
  });
});

describe('docs/deploy.md', () => {
  it('documents every context key, the settings’ included', () => {
    const doc = readFileSync(new URL('../../docs/deploy.md', import.meta.url), 'utf8');
    const missing = CONTEXT_KEYS.filter((k) => !doc.includes(`| \`${k}\``) && !doc.includes(`/ \`${k}\``));
    expect(missing).toEqual([]);
  });
});

describe('function environments match what each config.ts reads', () => {
  const deployment = { bucketName: 'models-x', settings: readConfig(context({})).settings };
  const envs = {
    validate: functionEnvironment('validate', deployment),
    release: functionEnvironment('release', deployment),
    traffic: functionEnvironment('traffic', deployment),
  };

  it('sets only variables the function reads: its wiring, its settings and Powertools’', () => {
    const reads = (wiring: object, fn: 'validate' | 'release' | 'traffic') => (k: string) =>
      k in wiring || settingsOf(fn).includes(k as never) || k.startsWith('POWERTOOLS_');
    expect(
      Object.keys(envs.validate).filter((k) => !reads(validateWiringSchema.shape, 'validate')(k)),
    ).toEqual([]);
    expect(Object.keys(envs.release).filter((k) => !reads(releaseWiringSchema.shape, 'release')(k))).toEqual(
      [],
    );
    expect(Object.keys(envs.traffic).filter((k) => !reads(trafficWiringSchema.shape, 'traffic')(k))).toEqual(
      [],
    );
  });

  it('a setting given as CDK context reaches its function', () => {
    const tuned = readConfig(context({ gateMinSamples: '50', rolloutStrategy: 'linear' })).settings;
    const traffic = parseTrafficConfig(functionEnvironment('traffic', { bucketName: 'b', settings: tuned }));
    expect(traffic.gate.minSamples).toBe(50);
    expect(traffic.defaults.rollout).toBe('linear');
  });

  it('traffic gets the AWS rollout defaults: canary 10 % for 300 s', () => {
    const t = parseTrafficConfig(envs.traffic);
    expect(t.defaults).toMatchObject({ rollout: 'canary', weight: 0.1, intervalSeconds: 300, step: 0.1 });
    expect(t.bucket).toBe('models-x');
    expect(t.target).toEqual({ functionName: 'hypermob-recommend', alias: 'live' });
  });

  it('validate and release parse and name the recommend function and bucket', () => {
    expect(loadValidateConfig(envs.validate)).toMatchObject({
      MODEL_BUCKET: 'models-x',
      RECOMMEND_FUNCTION_NAME: 'hypermob-recommend',
      LIVE_ALIAS: 'live',
      GOLDEN_PREFIX: 'golden/',
      REPORTS_PREFIX: 'reports/',
    });
    expect(parseReleaseConfig(envs.release).target).toEqual({
      functionName: 'hypermob-recommend',
      alias: 'live',
    });
  });

  it('recommend starts with the given model, or a key no one writes (→ fallback) without one', () => {
    const sha = 'AB'.repeat(32);
    const given = loadRecommendConfig(
      initialModelEnvironment('models-x', { key: 'car_fit_model.onnx', sha256: sha, versionId: 'v1' }),
    );
    expect(given.model).toEqual({
      bucket: 'models-x',
      key: 'car_fit_model.onnx',
      sha256: sha.toLowerCase(),
      versionId: 'v1',
    });
    const none = loadRecommendConfig(initialModelEnvironment('models-x', { key: '' }));
    expect(none.model.key).toBe(NO_MODEL_KEY);
    expect(none.model.key.startsWith('pinned/')).toBe(true);
  });
});

describe('nag acknowledgement helpers', () => {
  const stack = new Stack(new App(), 'T');
  const bucket = new s3.Bucket(stack, 'B');
  const role = new iam.Role(stack, 'R', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });

  it('renders tokens the way cdk-nag prints them', () => {
    const id = stack.getLogicalId(bucket.node.defaultChild as s3.CfnBucket);
    expect(nagResourceText(stack, bucket.arnForObjects('pinned/*'))).toBe(`<${id}.Arn>/pinned/*`);
    expect(nagResourceText(stack, `arn:${stack.partition}:states:${stack.region}:x:execution:sm:*`)).toBe(
      'arn:<AWS::Partition>:states:<AWS::Region>:x:execution:sm:*',
    );
  });

  it('refuses a wildcard resource without a reason', () => {
    expect(() => allow(role, 'NoReason', ['s3:GetObject'], [bucket.arnForObjects('x/*')])).toThrow(
      'needs a reason',
    );
    expect(() => allow(role, 'Exact', ['s3:GetObject'], [bucket.arnForObjects('x/y.json')])).not.toThrow();
  });
});
