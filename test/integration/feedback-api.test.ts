import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TARGETS, type Target } from '../../functions/shared/contract.js';
import { NOISE_FLOOR_RMSE } from '../../functions/shared/noise-floor.js';
import { recommendationKey, sign } from '../../functions/shared/recommendation-token.js';
import { LOCAL_CREDENTIALS } from '../../local-cloud/clients.js';
import { localSecretArn } from '../../local-cloud/secrets/arn.js';
import {
  FEEDBACK_FUNCTION_NAME,
  FUNCTIONS,
  METRICS,
  RECOMMEND_FUNCTION_NAME,
  RECOMMENDATION_KEY_SECRET_NAME,
} from '../../system/manifest.js';
import { type LocalCloudFixture, startLocalCloudFixture } from '../support/local-cloud.js';

/**
 * recommend → feedback on the real local cloud: the recommendation_id of a live answer, accepted
 * feedback, the outcome metrics under the serving version through GetMetricData, every refusal a 4xx
 * naming the field; the key from the local Secrets Manager, read under each function's own role.
 */
let f: LocalCloudFixture;
let cloudwatch: CloudWatchClient;
const measurements = { height: 178, upper_arm: 36, forearm: 27, thigh: 59, calf: 46, torso: 60 };

beforeAll(async () => {
  f = await startLocalCloudFixture({ functions: ['recommend', 'feedback'], rollout: false });
  cloudwatch = new CloudWatchClient({
    endpoint: f.awsEndpoint,
    region: f.region,
    credentials: LOCAL_CREDENTIALS,
  });
});

afterAll(async () => {
  cloudwatch?.destroy();
  await f?.stop();
});

interface Answer {
  data: Record<Target, number>;
  recommendation_id: string;
}

async function recommend(): Promise<{ answer: Answer; version: string }> {
  const res = await fetch(`${f.apiEndpoint}/recommend`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(measurements),
  });
  expect(res.status).toBe(200);
  return { answer: (await res.json()) as Answer, version: res.headers.get('x-executed-version') as string };
}

function feedback(body: unknown) {
  return fetch(`${f.apiEndpoint}/feedback`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function metricStat(metric: string, version: string, stat: 'Sum' | 'SampleCount'): Promise<number> {
  const out = await cloudwatch.send(
    new GetMetricDataCommand({
      StartTime: new Date(Date.now() - 600_000),
      EndTime: new Date(Date.now() + 60_000),
      MetricDataQueries: [
        {
          Id: 'm',
          MetricStat: {
            Metric: {
              Namespace: METRICS.namespace,
              MetricName: metric,
              Dimensions: [{ Name: METRICS.dimensions.functionVersion, Value: version }],
            },
            Period: 60,
            Stat: stat,
          },
        },
      ],
    }),
  );
  return (out.MetricDataResults?.[0]?.Values ?? []).reduce((a, b) => a + b, 0);
}

describe('the recommendation key', () => {
  it('is a random secret the bootstrap created, under the ARN the IAM policies name', async () => {
    const sm = new SecretsManagerClient({
      endpoint: f.awsEndpoint,
      region: f.region,
      credentials: LOCAL_CREDENTIALS,
    });
    const out = await sm.send(new GetSecretValueCommand({ SecretId: RECOMMENDATION_KEY_SECRET_NAME }));
    sm.destroy();
    expect(out.ARN).toBe(localSecretArn(f.region, f.accountId, RECOMMENDATION_KEY_SECRET_NAME));
    expect(out.SecretString?.length).toBeGreaterThanOrEqual(32);
    expect(out.VersionStages).toEqual(['AWSCURRENT']);
  });
});

describe('who may read it (IAM on the local cloud, system/permissions.ts)', () => {
  const asRole = (functionName: string) =>
    new SecretsManagerClient({
      endpoint: f.awsEndpoint,
      region: f.region,
      credentials: { accessKeyId: functionName, secretAccessKey: 'local', sessionToken: 'local' },
    });

  it('recommend and feedback may; a rollout function may not', async () => {
    for (const fn of [RECOMMEND_FUNCTION_NAME, FEEDBACK_FUNCTION_NAME]) {
      const sm = asRole(fn);
      const out = await sm.send(new GetSecretValueCommand({ SecretId: RECOMMENDATION_KEY_SECRET_NAME }));
      sm.destroy();
      expect(out.SecretString, fn).toBeDefined();
    }
    const traffic = asRole(FUNCTIONS.traffic.name);
    await expect(
      traffic.send(new GetSecretValueCommand({ SecretId: RECOMMENDATION_KEY_SECRET_NAME })),
    ).rejects.toMatchObject({ name: 'AccessDeniedException' });
    traffic.destroy();
  });
});

describe('POST /feedback', () => {
  it('accepts feedback on a live answer; the outcome metrics appear under the serving version', async () => {
    const { answer, version } = await recommend();
    expect(answer.recommendation_id).toMatch(/^[A-Za-z0-9_-]{80,}$/);
    expect(version).toMatch(/^\d+$/);
    const final = { seat_position: answer.data.seat_position + 10, mirror_pan: answer.data.mirror_pan - 3 };
    // The first feedback of this cloud: the sums below are this one feedback's values.
    const before = await metricStat(METRICS.outcomes.normError, version, 'SampleCount');
    expect(before).toBe(0);

    const res = await feedback({ recommendation_id: answer.recommendation_id, final });
    expect(res.status, await res.clone().text()).toBe(202);

    const norm = (10 / NOISE_FLOOR_RMSE.seat_position + 3 / NOISE_FLOOR_RMSE.mirror_pan) / 2;
    await expect
      .poll(() => metricStat(METRICS.outcomes.normError, version, 'SampleCount'), { timeout: 10_000 })
      .toBe(before + 1);
    expect(await metricStat(METRICS.outcomes.normError, version, 'Sum')).toBeCloseTo(norm, 9);
    expect(await metricStat(METRICS.outcomes.normSqError, version, 'Sum')).toBeCloseTo(norm * norm, 9);
    expect(await metricStat(METRICS.outcomes.absError('seat_position'), version, 'Sum')).toBeCloseTo(10, 6);
    expect(await metricStat(METRICS.outcomes.sqError('mirror_pan'), version, 'Sum')).toBeCloseTo(9, 6);
    // Targets not given have no outcome; the handling function's own version is not the dimension.
    expect(await metricStat(METRICS.outcomes.absError('seat_height'), version, 'SampleCount')).toBe(0);
    expect(await metricStat(METRICS.outcomes.normError, '$LATEST', 'SampleCount')).toBe(0);
  });

  it('a token names the serving version: feedback on a version-7 answer counts for version 7', async () => {
    // Signed with the real key, as version 7 would have: the dimension comes from the token alone.
    const sm = new SecretsManagerClient({
      endpoint: f.awsEndpoint,
      region: f.region,
      credentials: LOCAL_CREDENTIALS,
    });
    const secret = await sm.send(new GetSecretValueCommand({ SecretId: RECOMMENDATION_KEY_SECRET_NAME }));
    sm.destroy();
    const token = sign(
      {
        functionVersion: '7',
        modelSha256Prefix: '0'.repeat(16),
        values: TARGETS.map(() => 50),
        issuedAt: Math.floor(Date.now() / 1000),
      },
      recommendationKey(secret.SecretString as string),
    );
    const res = await feedback({ recommendation_id: token, final: { steering_tilt: 60 } });
    expect(res.status).toBe(202);
    await expect
      .poll(() => metricStat(METRICS.outcomes.absError('steering_tilt'), '7', 'Sum'), { timeout: 10_000 })
      .toBe(10);
  });

  it('every bad body is a 4xx naming the field', async () => {
    const { answer } = await recommend();
    const id = answer.recommendation_id;
    const cases: [unknown, number, string][] = [
      ['{not json', 400, 'invalid_json'],
      [[1, 2], 400, '(body)'],
      [{ final: { seat_height: 20 } }, 400, 'recommendation_id'],
      [{ recommendation_id: id }, 400, 'final'],
      [{ recommendation_id: id, final: {} }, 400, 'final'],
      [{ recommendation_id: id, final: { seat_height: 20 }, extra: 1 }, 400, 'extra'],
      [{ recommendation_id: id, final: { seat_hight: 20 } }, 400, 'final.seat_hight'],
      [{ recommendation_id: id, final: { seat_height: 61 } }, 400, 'final.seat_height'],
      [{ recommendation_id: id, final: { seat_height: '20' } }, 400, 'final.seat_height'],
      [{ recommendation_id: 'forged', final: { seat_height: 20 } }, 400, 'recommendation_id'],
      [{ recommendation_id: `${id.slice(0, -2)}AA`, final: { seat_height: 20 } }, 400, 'recommendation_id'],
      [
        `{"recommendation_id":"${id}","final":{"seat_height":1${'0'.repeat(17_000)}}}`,
        413,
        'Request Too Long',
      ],
    ];
    for (const [body, status, named] of cases) {
      const res = await feedback(body);
      const text = await res.text();
      expect(res.status, text).toBe(status);
      expect(text, JSON.stringify(body).slice(0, 100)).toContain(named);
    }
  });

  it('a token signed with another key (forged) is refused, and counts nowhere', async () => {
    const forged = sign(
      {
        functionVersion: '9',
        modelSha256Prefix: '0'.repeat(16),
        values: TARGETS.map(() => 1),
        issuedAt: Math.floor(Date.now() / 1000),
      },
      recommendationKey('not the real key, but long enough!'),
    );
    const res = await feedback({ recommendation_id: forged, final: { seat_height: 20 } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'recommendation_id_unknown_key' } });
    expect(await metricStat(METRICS.outcomes.normError, '9', 'SampleCount')).toBe(0);
  });

  it('runs as its own function: feedback calls add no recommend invocations (which the gates judge)', async () => {
    const invocations = (functionName: string) => {
      const now = Math.floor(Date.now() / 1000) + 1;
      const series = f.cloud.cloudwatch.lambdaMetrics.query(
        'Invocations',
        { FunctionName: functionName },
        'Sum',
        3600,
        now - 3600,
        now,
      );
      return series.values.reduce((a, b) => a + b, 0);
    };
    const { answer } = await recommend();
    const recommendBefore = invocations(RECOMMEND_FUNCTION_NAME);
    const feedbackBefore = invocations(FEEDBACK_FUNCTION_NAME);
    for (let i = 0; i < 3; i++) {
      const res = await feedback({ recommendation_id: answer.recommendation_id, final: { seat_angle: 110 } });
      expect(res.status).toBe(202);
    }
    expect(invocations(RECOMMEND_FUNCTION_NAME)).toBe(recommendBefore);
    expect(invocations(FEEDBACK_FUNCTION_NAME)).toBe(feedbackBefore + 3);
  });
});
