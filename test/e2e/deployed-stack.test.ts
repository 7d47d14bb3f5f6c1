import { GetAliasCommand, GetFunctionConfigurationCommand, InvokeCommand } from '@aws-sdk/client-lambda';
import { GetBucketEncryptionCommand, GetBucketVersioningCommand } from '@aws-sdk/client-s3';
import { DescribeStateMachineCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lambda, s3, sfn } from '../../functions/shared/aws-clients.js';
import { MAX_BODY_BYTES } from '../../functions/shared/request.js';
import { ROLLOUT_STATE_MACHINE_NAME } from '../../statemachines/rollout-trigger.js';
import { LIVE_ALIAS, RECOMMEND_FUNCTION_NAME } from '../../system/manifest.js';
import { type E2eTarget, startTarget } from './target.js';

/**
 * End-to-end checks of a stack: a deployed one when configured (test/e2e/target.ts), else the local
 * cloud in AWS-like timing with IAM enforced. Nothing here writes to the bucket or moves the alias:
 * it is safe against a production stack. docs/deploy.md lists what only a real deploy can show.
 */
let target: E2eTarget;
beforeAll(async () => {
  target = await startTarget();
}, 300_000);
afterAll(async () => {
  await target?.stop();
});

const DRIVER = { height: 178, upper_arm: 34, forearm: 27, thigh: 49, calf: 42, torso: 60 };

function proxyEvent(body: string) {
  return {
    resource: '/recommend',
    path: '/recommend',
    httpMethod: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    isBase64Encoded: false,
    requestContext: { stage: 'prod' },
  };
}

describe('a hypermob stack, deployed or local', () => {
  it('alias live routes to published versions of an arm64 Node.js 22 function', async () => {
    const alias = await lambda().send(
      new GetAliasCommand({ FunctionName: RECOMMEND_FUNCTION_NAME, Name: LIVE_ALIAS }),
    );
    expect(alias.FunctionVersion).toMatch(/^\d+$/);
    for (const v of Object.keys(alias.RoutingConfig?.AdditionalVersionWeights ?? {}))
      expect(v).toMatch(/^\d+$/);
    const cfg = await lambda().send(
      new GetFunctionConfigurationCommand({
        FunctionName: RECOMMEND_FUNCTION_NAME,
        Qualifier: alias.FunctionVersion,
      }),
    );
    expect(cfg.Runtime).toBe('nodejs22.x');
    expect(cfg.Architectures).toEqual([target.architecture]);
    expect(cfg.Environment?.Variables?.MODEL_SHA256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('invoking alias live answers a recommendation with the model identity', async () => {
    const out = await lambda().send(
      new InvokeCommand({
        FunctionName: RECOMMEND_FUNCTION_NAME,
        Qualifier: LIVE_ALIAS,
        Payload: new TextEncoder().encode(JSON.stringify(proxyEvent(JSON.stringify(DRIVER)))),
      }),
    );
    expect(out.FunctionError).toBeUndefined();
    const result = JSON.parse(new TextDecoder().decode(out.Payload)) as { statusCode: number; body: string };
    expect(result.statusCode).toBe(200);
    const body = JSON.parse(result.body) as { status: string; model: { sha256: string; version: string } };
    expect(body.status).toBe('success');
    expect(body.model.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(out.ExecutedVersion).toMatch(/^\d+$/);
  });

  it('the model bucket is versioned and encrypted (a real deploy only: s3rver has neither)', async (ctx) => {
    if (!target.awsOnly) ctx.skip();
    const bucket = target.bucket;
    const versioning = await s3().send(new GetBucketVersioningCommand({ Bucket: bucket }));
    expect(versioning.Status).toBe('Enabled');
    const enc = await s3().send(new GetBucketEncryptionCommand({ Bucket: bucket }));
    expect(
      enc.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm,
    ).toBe('AES256');
  });

  it('the rollout state machine is active, traced and logs everything', async () => {
    const fn = await lambda().send(
      new GetFunctionConfigurationCommand({ FunctionName: RECOMMEND_FUNCTION_NAME }),
    );
    // arn:aws:lambda:<region>:<account>:function:<name> → the state machine's ARN in the same account and region.
    const [, partition, , region, account] = (fn.FunctionArn ?? '').split(':');
    const arn = `arn:${partition}:states:${region}:${account}:stateMachine:${ROLLOUT_STATE_MACHINE_NAME}`;
    const sm = await sfn().send(new DescribeStateMachineCommand({ stateMachineArn: arn }));
    expect(sm.status).toBe('ACTIVE');
    expect(sm.tracingConfiguration?.enabled).toBe(true);
    expect(sm.loggingConfiguration?.level).toBe('ALL');
    expect(sm.definition).not.toContain('${');
  });

  describe('POST /recommend through the API', () => {
    const post = (body: string) =>
      fetch(target.recommendUrl as string, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });

    it('answers 200 with seat settings', async (ctx) => {
      if (!target.recommendUrl) ctx.skip();
      const res = await post(JSON.stringify(DRIVER));
      expect(res.status).toBe(200);
      expect(((await res.json()) as { status: string }).status).toBe('success');
    });

    it('refuses bodies over the limit with 413 (or 403 when the WAF blocks them first)', async (ctx) => {
      if (!target.recommendUrl) ctx.skip();
      const res = await post(JSON.stringify({ ...DRIVER, pad: 'x'.repeat(MAX_BODY_BYTES) }));
      expect([403, 413]).toContain(res.status);
    });

    it('refuses a body that is not a JSON object with the error envelope', async (ctx) => {
      if (!target.recommendUrl) ctx.skip();
      const res = await post('[1,2,3]');
      expect(res.status).toBe(400);
      expect(((await res.json()) as { status: string }).status).toBe('error');
    });
  });
});
