import { GetAliasCommand, GetFunctionConfigurationCommand, InvokeCommand } from '@aws-sdk/client-lambda';
import { GetBucketEncryptionCommand, GetBucketVersioningCommand } from '@aws-sdk/client-s3';
import { DescribeStateMachineCommand } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { lambda, s3, sfn } from '../../functions/shared/aws-clients.js';
import { MAX_BODY_BYTES } from '../../functions/shared/request.js';
import { ROLLOUT_STATE_MACHINE_NAME } from '../../statemachines/rollout-trigger.js';
import { LIVE_ALIAS, MODEL_BUCKET_NAME, RECOMMEND_FUNCTION_NAME } from '../../system/manifest.js';

/**
 * Opt-in checks against a deployed stack (docs/deploy.md, "End-to-end tests"). They run only when
 * AWS credentials and HYPERMOB_E2E_STACK are set; HYPERMOB_E2E_URL (the stack output RecommendUrl)
 * adds the HTTP checks, HYPERMOB_E2E_BUCKET overrides the bucket name. Nothing here writes to the
 * bucket or moves the alias: it is safe against a production stack.
 */
const env = process.env;
const hasCredentials = Boolean(
  env.AWS_ACCESS_KEY_ID ||
    env.AWS_PROFILE ||
    env.AWS_WEB_IDENTITY_TOKEN_FILE ||
    env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI ||
    env.AWS_CONTAINER_CREDENTIALS_FULL_URI,
);
const enabled = hasCredentials && Boolean(env.HYPERMOB_E2E_STACK);
const url = env.HYPERMOB_E2E_URL;
const bucket = env.HYPERMOB_E2E_BUCKET ?? MODEL_BUCKET_NAME;

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

describe.skipIf(!enabled)(`deployed stack ${env.HYPERMOB_E2E_STACK ?? '(not configured)'}`, () => {
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
    expect(cfg.Architectures).toEqual(['arm64']);
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

  it('the model bucket is versioned and encrypted', async () => {
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

  describe.skipIf(!url)('POST /recommend over HTTPS', () => {
    const post = (body: string) =>
      fetch(url as string, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

    it('answers 200 with seat settings', async () => {
      const res = await post(JSON.stringify(DRIVER));
      expect(res.status).toBe(200);
      expect(((await res.json()) as { status: string }).status).toBe('success');
    });

    it('refuses bodies over the limit with 413 (or 403 when the WAF blocks them first)', async () => {
      const res = await post(JSON.stringify({ ...DRIVER, pad: 'x'.repeat(MAX_BODY_BYTES) }));
      expect([403, 413]).toContain(res.status);
    });

    it('refuses a body that is not a JSON object with the error envelope', async () => {
      const res = await post('[1,2,3]');
      expect(res.status).toBe(400);
      expect(((await res.json()) as { status: string }).status).toBe('error');
    });
  });
});
