import { describe, expect, it } from 'vitest';
import { createAuthorizer } from '../../local-cloud/iam/authorizer.js';
import { accessDeniedError } from '../../local-cloud/iam/denial.js';
import { evaluate } from '../../local-cloud/iam/evaluate.js';
import type { Route } from '../../local-cloud/routes.js';
import { bucketPolicyDocument } from '../../system/bucket-policy.js';
import { PERMISSIONS } from '../../system/permissions.js';

const signedAs = (akid: string) => ({
  authorization: `AWS4-HMAC-SHA256 Credential=${akid}/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=x`,
});
const S3: Route = { service: 's3', operation: '*', params: {} };
const authorizer = createAuthorizer({ region: 'us-east-1', accountId: '000000000000' });
const s3Request = (akid: string, method: string, url: string) =>
  authorizer.authorize(S3, { method, url, headers: signedAs(akid), body: Buffer.alloc(0) });

describe('IAM evaluation: a function name as access key id acts as its role (system/permissions.ts)', () => {
  it('allows what a role states and denies the rest, with IAM’s message parts', async () => {
    expect(
      (await s3Request('hypermob-rollout-validate', 'PUT', '/hypermob-models/reports/e.json')).denied,
    ).toBeUndefined();
    const { caller, denied } = await s3Request(
      'hypermob-rollout-validate',
      'PUT',
      '/hypermob-models/golden/x',
    );
    expect(caller.principalArn).toBe(
      'arn:aws:sts::000000000000:assumed-role/hypermob-rollout-validate/hypermob-rollout-validate',
    );
    expect(denied).toEqual({
      principalArn: caller.principalArn,
      check: { action: 's3:PutObject', resource: 'arn:aws:s3:::hypermob-models/golden/x' },
      reason: 'because no identity-based policy allows the s3:PutObject action',
    });
  });

  it('any other key, or none, is an administrator and is not checked', async () => {
    for (const akid of ['local', 'AKIAEXAMPLE', 'hypermob-unknown']) {
      const { caller, denied } = await s3Request(akid, 'PUT', '/hypermob-models/golden/x');
      expect(caller.principalArn).toBeUndefined();
      expect(denied).toBeUndefined();
    }
  });

  it('recommend reads pinned models only; traffic may list the bucket, recommend may not', async () => {
    expect(
      (await s3Request('hypermob-recommend', 'GET', '/hypermob-models/pinned/abc.model')).denied,
    ).toBeUndefined();
    expect(
      (await s3Request('hypermob-recommend', 'GET', '/hypermob-models/m.onnx')).denied?.check.action,
    ).toBe('s3:GetObject');
    const list = { action: 's3:ListBucket', resource: 'arn:aws:s3:::hypermob-models' };
    expect(await (await s3Request('hypermob-rollout-traffic', 'HEAD', '/x/y')).caller.decide(list)).toEqual({
      allowed: true,
    });
    expect((await (await s3Request('hypermob-recommend', 'HEAD', '/x/y')).caller.decide(list)).allowed).toBe(
      false,
    );
  });

  it('Lambda: traffic may move live, recommend may not; release may invoke any version', async () => {
    const updateAlias: Route = {
      service: 'lambda',
      operation: 'UpdateAlias',
      params: { FunctionName: 'hypermob-recommend', Name: 'live' },
    };
    const req = (akid: string, url: string) => ({
      method: 'PUT',
      url,
      headers: signedAs(akid),
      body: Buffer.alloc(0),
    });
    const url = '/2015-03-31/functions/hypermob-recommend/aliases/live';
    expect(
      (await authorizer.authorize(updateAlias, req('hypermob-rollout-traffic', url))).denied,
    ).toBeUndefined();
    const denied = (await authorizer.authorize(updateAlias, req('hypermob-recommend', url))).denied;
    expect(denied?.check).toEqual({
      action: 'lambda:UpdateAlias',
      resource: 'arn:aws:lambda:us-east-1:000000000000:function:hypermob-recommend',
    });
    const invoke: Route = {
      service: 'lambda',
      operation: 'Invoke',
      params: { FunctionName: 'hypermob-recommend' },
    };
    const invokeUrl = '/2015-03-31/functions/hypermob-recommend/invocations?Qualifier=4';
    expect(
      (await authorizer.authorize(invoke, req('hypermob-rollout-release', invokeUrl))).denied,
    ).toBeUndefined();
    expect(
      (await authorizer.authorize(invoke, req('hypermob-rollout-traffic', invokeUrl))).denied?.check.action,
    ).toBe('lambda:InvokeFunction');
  });

  it('injected permissions replace the role’s statements (tests of a missing statement)', async () => {
    const withoutList = {
      ...PERMISSIONS,
      traffic: PERMISSIONS.traffic.filter((s) => s.sid !== 'TellMissingFromForbidden'),
    };
    const strict = createAuthorizer({
      region: 'us-east-1',
      accountId: '000000000000',
      permissions: withoutList,
    });
    const { caller } = await strict.authorize(S3, {
      method: 'HEAD',
      url: '/hypermob-models/rollouts/x.json',
      headers: signedAs('hypermob-rollout-traffic'),
      body: Buffer.alloc(0),
    });
    expect(
      (await caller.decide({ action: 's3:ListBucket', resource: 'arn:aws:s3:::hypermob-models' })).allowed,
    ).toBe(false);
  });
});

describe('IAM evaluation: the bucket policy (system/bucket-policy.ts)', () => {
  const policies = {
    principalArn: 'arn:aws:sts::000000000000:assumed-role/r/r',
    accountId: '000000000000',
    identityPolicy: {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }],
    },
  };
  it('enforceSSL’s Deny applies to plain HTTP only: the local endpoint counts as TLS', async () => {
    const check = { action: 's3:GetObject', resource: 'arn:aws:s3:::hypermob-models/golden/x' };
    const bucketPolicy = bucketPolicyDocument('arn:aws:s3:::hypermob-models');
    expect(await evaluate({ ...policies, resourcePolicy: bucketPolicy }, check)).toEqual({ allowed: true });
    // A statement that denies regardless of transport is enforced, as a later bucket-policy statement would be.
    const denyAll = bucketPolicyDocument('arn:aws:s3:::hypermob-models', [
      { effect: 'Deny', principal: 'any', actions: ['s3:GetObject'], resources: ['objects'] },
    ]);
    expect(await evaluate({ ...policies, resourcePolicy: denyAll }, check)).toEqual({
      allowed: false,
      reason: 'with an explicit deny in a resource-based policy',
    });
  });

  it('an action AWS does not define is never allowed', async () => {
    const d = await evaluate(policies, { action: 's3:NoSuchAction', resource: 'arn:aws:s3:::b/k' });
    expect(d.allowed).toBe(false);
  });
});

describe('denials per protocol', () => {
  const d = {
    principalArn:
      'arn:aws:sts::000000000000:assumed-role/hypermob-rollout-validate/hypermob-rollout-validate',
    check: { action: 's3:PutObject', resource: 'arn:aws:s3:::hypermob-models/golden/x' },
    reason: 'because no identity-based policy allows the s3:PutObject action',
  };
  it('S3 403 AccessDenied with the resource quoted; Lambda 403 and JSON 400 AccessDeniedException', () => {
    expect(accessDeniedError('rest-xml', d)).toEqual({
      status: 403,
      type: 'AccessDenied',
      message:
        'User: arn:aws:sts::000000000000:assumed-role/hypermob-rollout-validate/hypermob-rollout-validate is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::hypermob-models/golden/x" because no identity-based policy allows the s3:PutObject action',
    });
    expect(accessDeniedError('rest-json', d)).toMatchObject({ status: 403, type: 'AccessDeniedException' });
    expect(accessDeniedError('json', d)).toMatchObject({ status: 400, type: 'AccessDeniedException' });
    expect(accessDeniedError('json', d).message).toContain(
      'on resource: arn:aws:s3:::hypermob-models/golden/x because',
    );
  });
});
