import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  ListExecutionsCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stateMachineArn } from '../../local-cloud/sfn/arns.js';
import { ROLLOUT_STATE_MACHINE_NAME } from '../../statemachines/rollout-trigger.js';
import { MODEL_BUCKET_NAME } from '../../system/manifest.js';
import { awsCli, itWithAwsCli } from '../support/aws-cli.js';
import { type LocalCloudFixture, startLocalCloudFixture } from '../support/local-cloud.js';

/**
 * The real wiring: the rollout state machine from statemachines/ and the rule from
 * rolloutEventPattern(). No functions are deployed here, so the executions fail at their first
 * Task — what is under test is which writes start one, and with what input.
 */
let f: LocalCloudFixture;
let arn: string;

beforeAll(async () => {
  f = await startLocalCloudFixture({ functions: 'none', model: false, rollout: true });
  arn = stateMachineArn(f.region, f.accountId, ROLLOUT_STATE_MACHINE_NAME);
});

afterAll(async () => {
  await f?.stop();
});

async function executionInputs(): Promise<{ detail: { object: { key: string }; reason: string } }[]> {
  await f.cloud.events.drain();
  const list = await f.clients.sfn.send(new ListExecutionsCommand({ stateMachineArn: arn }));
  const inputs = [];
  for (const e of list.executions ?? []) {
    const d = await f.clients.sfn.send(new DescribeExecutionCommand({ executionArn: e.executionArn }));
    inputs.push(JSON.parse(d.input as string));
  }
  return inputs;
}

describe('rollout wiring', () => {
  it('creates hypermob-model-rollout with every placeholder filled', async () => {
    const d = await f.clients.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: arn }));
    expect(d.definition).not.toMatch(/\$\{/);
    expect(d.definition).toContain(`arn:aws:lambda:${f.region}:${f.accountId}:function:`);
  });

  itWithAwsCli('lists it through the AWS CLI', async () => {
    const cli = await awsCli(f, ['stepfunctions', 'list-state-machines']);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.json).toMatchObject({ stateMachines: [{ name: ROLLOUT_STATE_MACHINE_NAME }] });
  });

  it('starts an execution for .onnx PutObject, CopyObject and CompleteMultipartUpload only', async () => {
    const s3 = f.clients.s3;
    await s3.send(new PutObjectCommand({ Bucket: MODEL_BUCKET_NAME, Key: 'readme.txt', Body: 'x' }));
    await s3.send(new PutObjectCommand({ Bucket: MODEL_BUCKET_NAME, Key: 'pinned/abc.model', Body: 'x' }));
    expect(await executionInputs()).toEqual([]);

    await s3.send(new PutObjectCommand({ Bucket: MODEL_BUCKET_NAME, Key: 'put.onnx', Body: 'model' }));
    await s3.send(
      new CopyObjectCommand({
        Bucket: MODEL_BUCKET_NAME,
        Key: 'copied.onnx',
        CopySource: `${MODEL_BUCKET_NAME}/readme.txt`,
      }),
    );
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: MODEL_BUCKET_NAME, Key: 'multi.onnx' }),
    );
    const part = await s3.send(
      new UploadPartCommand({
        Bucket: MODEL_BUCKET_NAME,
        Key: 'multi.onnx',
        UploadId,
        PartNumber: 1,
        Body: 'abc',
      }),
    );
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: MODEL_BUCKET_NAME,
        Key: 'multi.onnx',
        UploadId,
        MultipartUpload: { Parts: [{ ETag: part.ETag, PartNumber: 1 }] },
      }),
    );
    const inputs = await executionInputs();
    expect(inputs.map((i) => [i.detail.object.key, i.detail.reason]).sort()).toEqual([
      ['copied.onnx', 'CopyObject'],
      ['multi.onnx', 'CompleteMultipartUpload'],
      ['put.onnx', 'PutObject'],
    ]);
  });
});
