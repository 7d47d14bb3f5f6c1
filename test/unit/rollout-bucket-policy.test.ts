import { describe, expect, it } from 'vitest';
import { evaluate } from '../../local-cloud/iam/evaluate.js';
import {
  bucketPolicyDocument,
  localRoleArn,
  PIPELINE_WRITERS,
  uploaderPolicyDocument,
} from '../../system/bucket-policy.js';
import { PIPELINE_PREFIXES } from '../../system/manifest.js';

/**
 * The bucket policy keeps the pipeline's prefixes to the pipeline: a principal with a broad
 * s3:PutObject (an uploader, an admin tool) may not rewrite the golden set, the pins, the reports or
 * the lineage; the pipeline's roles may. Evaluated by the local cloud's IAM engine, as every call is.
 */
const ACCOUNT = '000000000000';
const BUCKET = 'arn:aws:s3:::hypermob-models';
const policy = bucketPolicyDocument(
  BUCKET,
  undefined,
  PIPELINE_WRITERS.map((fn) => localRoleArn(ACCOUNT, fn)),
);
const session = (role: string) => `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/${role}`;
const broad = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] };
const as = (principalArn: string, identityPolicy: unknown = broad) => ({
  principalArn,
  accountId: ACCOUNT,
  identityPolicy,
  resourcePolicy: policy,
});
const DENIED = { allowed: false, reason: 'with an explicit deny in a resource-based policy' };

describe('bucket policy: only the pipeline writes its prefixes', () => {
  it('denies PutObject, DeleteObject and DeleteObjectVersion under every pipeline prefix to anyone else', async () => {
    for (const prefix of PIPELINE_PREFIXES) {
      for (const action of ['s3:PutObject', 's3:DeleteObject', 's3:DeleteObjectVersion']) {
        const check = { action, resource: `${BUCKET}/${prefix}golden_set.json` };
        expect(await evaluate(as(session('data-scientist')), check), `${action} ${prefix}`).toEqual(DENIED);
      }
    }
    // Reading and uploading models stay allowed.
    expect(
      await evaluate(as(session('data-scientist')), { action: 's3:PutObject', resource: `${BUCKET}/m.onnx` }),
    ).toEqual({ allowed: true });
    expect(
      await evaluate(as(session('data-scientist')), {
        action: 's3:GetObject',
        resource: `${BUCKET}/golden/x`,
      }),
    ).toEqual({ allowed: true });
  });

  it("the pipeline's roles are excepted (aws:PrincipalArn is the role's ARN, not the session's)", async () => {
    for (const [role, key] of [
      ['hypermob-rollout-release', 'pinned/abc.model'],
      ['hypermob-rollout-validate', 'reports/e1.json'],
      ['hypermob-rollout-traffic', 'rollouts/e1.json'],
    ] as const) {
      const check = { action: 's3:PutObject', resource: `${BUCKET}/${key}` };
      expect(await evaluate(as(session(role)), check), role).toEqual({ allowed: true });
    }
    // The recommend function is not a writer, whatever its identity policy says.
    const check = { action: 's3:PutObject', resource: `${BUCKET}/pinned/abc.model` };
    expect(await evaluate(as(session('hypermob-recommend')), check)).toEqual(DENIED);
  });

  it("the uploader policy allows *.onnx keys only, and the bucket policy keeps it out of the pipeline's prefixes", async () => {
    const uploader = as(session('uploader'), uploaderPolicyDocument(BUCKET));
    const put = (key: string) => evaluate(uploader, { action: 's3:PutObject', resource: `${BUCKET}/${key}` });
    expect(await put('car_fit_model.onnx')).toEqual({ allowed: true });
    expect((await put('notes.txt')).allowed).toBe(false);
    expect(await put('golden/evil.onnx')).toEqual(DENIED);
    expect(await put('pinned/evil.onnx')).toEqual(DENIED);
  });
});
