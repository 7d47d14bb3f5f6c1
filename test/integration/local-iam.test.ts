import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleDir } from '../../scripts/bundle.js';
import { FUNCTIONS, type FunctionKey, MODEL_BUCKET_NAME } from '../../system/manifest.js';
import { PERMISSIONS } from '../../system/permissions.js';
import { awsCli, itWithAwsCli } from '../support/aws-cli.js';
import { type LocalCloudFixture, startLocalCloudFixture } from '../support/local-cloud.js';
import { uploadAndFinish, variant } from '../support/rollout-helpers.js';

/**
 * IAM on the local cloud: a request signed with a function's name acts as that function's role
 * (system/permissions.ts), through the AWS CLI as through the SDK, and the whole pipeline runs with
 * it enforced — so a statement missing from a role fails here as it fails on AWS.
 */
const { recommend, validate, traffic } = FUNCTIONS;

describe('IAM enforced on the local cloud', () => {
  let f: LocalCloudFixture;
  let dir: string;
  beforeAll(async () => {
    f = await startLocalCloudFixture();
    dir = await mkdtemp(path.join(tmpdir(), 'hypermob-iam-'));
  }, 240_000);
  afterAll(async () => {
    await f?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const s3As = (accessKeyId: string) =>
    new S3Client({
      endpoint: f.awsEndpoint,
      region: f.region,
      forcePathStyle: true,
      credentials: { accessKeyId, secretAccessKey: 'local' },
    });

  itWithAwsCli('the recommend role may not move alias live (AccessDeniedException)', async () => {
    const args = ['lambda', 'update-alias', '--function-name', recommend.name, '--name', 'live'];
    const denied = await awsCli(f, [...args, '--function-version', '1'], recommend.name);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain('AccessDeniedException');
    expect(denied.stderr).toContain(
      `User: arn:aws:sts::000000000000:assumed-role/${recommend.name}/${recommend.name} is not authorized to perform: lambda:UpdateAlias`,
    );
    // The traffic role may: the same call succeeds (live already points at version 1).
    const allowed = await awsCli(f, [...args, '--function-version', '1'], traffic.name);
    expect(allowed.code, allowed.stderr).toBe(0);
  });

  itWithAwsCli('the validate role may not write the golden data', async () => {
    const file = path.join(dir, 'x');
    await writeFile(file, 'x');
    const r = await awsCli(f, ['s3', 'cp', file, `s3://${MODEL_BUCKET_NAME}/golden/x`], validate.name);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('AccessDenied');
    // An administrator (any other key) may.
    expect((await awsCli(f, ['s3', 'cp', file, `s3://${MODEL_BUCKET_NAME}/golden/x`])).code).toBe(0);
  });

  itWithAwsCli(
    'a missing key is 404 to a role that may list the bucket, 403 to one that may not',
    async () => {
      const head = ['s3api', 'head-object', '--bucket', MODEL_BUCKET_NAME, '--key', 'rollouts/missing.json'];
      const listing = await awsCli(f, head, traffic.name);
      expect(listing.code).not.toBe(0);
      expect(listing.stderr).toMatch(/\(404\)|Not Found/);
      const blind = await awsCli(f, head, recommend.name);
      expect(blind.code).not.toBe(0);
      expect(blind.stderr).toMatch(/\(403\)|Forbidden/);
    },
  );

  it('no function bundle contains the simulator (AGPL-3.0) or any local-cloud module', async () => {
    for (const key of Object.keys(FUNCTIONS) as FunctionKey[]) {
      const inputs = JSON.parse(await readFile(`${bundleDir(key)}.inputs.json`, 'utf8')) as {
        files: Record<string, string>;
      };
      const files = Object.keys(inputs.files);
      expect(files.length).toBeGreaterThan(0);
      expect(files.filter((file) => /@cloud-copilot|\/local-cloud\//.test(file))).toEqual([]);
    }
  });

  it('the SDK gets S3’s AccessDenied and NoSuchKey as from S3', async () => {
    const validateS3 = s3As(validate.name);
    const put = validateS3.send(
      new PutObjectCommand({ Bucket: MODEL_BUCKET_NAME, Key: 'golden/y', Body: 'y' }),
    );
    await expect(put).rejects.toMatchObject({
      name: 'AccessDenied',
      $metadata: { httpStatusCode: 403 },
      message: `User: arn:aws:sts::000000000000:assumed-role/${validate.name}/${validate.name} is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::${MODEL_BUCKET_NAME}/golden/y" because no identity-based policy allows the s3:PutObject action`,
    });
    const get = (fn: string) =>
      s3As(fn).send(new GetObjectCommand({ Bucket: MODEL_BUCKET_NAME, Key: 'pinned/missing.model' }));
    await expect(get(traffic.name)).rejects.toMatchObject({ name: 'AccessDenied' }); // no GetObject on pinned/
    await expect(get(validate.name)).rejects.toMatchObject({ name: 'NoSuchKey' });
    await expect(get(recommend.name)).rejects.toMatchObject({
      name: 'AccessDenied',
      message: expect.stringContaining(`s3:ListBucket on resource: "arn:aws:s3:::${MODEL_BUCKET_NAME}"`),
    });
  });
});

describe('a statement missing from a role breaks the pipeline locally, as on AWS', () => {
  let f: LocalCloudFixture;
  beforeAll(async () => {
    f = await startLocalCloudFixture({
      // No default model: its rollout at start would already fail.
      model: false,
      permissions: {
        ...PERMISSIONS,
        traffic: PERMISSIONS.traffic.filter((s) => s.sid !== 'TellMissingFromForbidden'),
      },
    });
  }, 240_000);
  afterAll(async () => {
    await f?.stop();
  });

  it('without s3:ListBucket, the Plan step’s read of a lineage record not yet written is 403', async () => {
    const exec = await uploadAndFinish(f, 'car_fit_model.onnx', variant(1), { rollout: 'all-at-once' });
    expect(exec.status).toBe('FAILED');
    expect(`${exec.error} ${exec.cause}`).toContain(
      `assumed-role/${traffic.name}/${traffic.name} is not authorized to perform: s3:ListBucket`,
    );
  }, 60_000);
});
