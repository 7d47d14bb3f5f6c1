import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  CreateAliasCommand,
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  PublishVersionCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { CopyObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { REPO_ROOT } from '../scripts/bundle.js';
import { LIVE_ALIAS, MODEL_BUCKET_NAME, RECOMMEND_FUNCTION_NAME } from '../system/manifest.js';
import type { LocalClients } from './clients.js';

/**
 * The first start's model: trained from the template and put live so `POST /recommend` answers a
 * real, sha256-pinned model from the first minute. Normally it goes through the real pipeline — an
 * upload with `rollout=all-at-once` that the rule turns into a `hypermob-model-rollout` execution —
 * so a newcomer's first start exercises validation, release and the alias shift. When the rollout is
 * not wired (tests that start only the recommend function), it is published directly instead.
 */
export const DEFAULT_MODEL_KEY = 'car_fit_model.onnx';
const TEMPLATE = 'functions/recommend/json_template.json';
const ROLLOUT_TIMEOUT_MS = 120_000;

interface Deps {
  clients: LocalClients;
  log: (line: string) => void;
}

export interface DefaultModelResult {
  liveVersion: string;
  modelSha256: string;
}

async function trainDefaultModel(): Promise<Uint8Array> {
  const [{ trainModel }, { parseDataset }] = await Promise.all([
    import('../functions/shared/model/trainer.js'),
    import('../functions/shared/dataset.js'),
  ]);
  const templateBytes = await readFile(path.join(REPO_ROOT, TEMPLATE));
  return trainModel(parseDataset(JSON.parse(templateBytes.toString('utf8'))), {
    modelName: 'hypermob-default',
    trainingDataSha256: sha256(templateBytes),
  }).onnx;
}

/** Upload as a data scientist would and wait for the rollout the upload starts. */
export async function rollOutDefaultModel(
  deps: Deps & { stateMachineArn: string },
): Promise<DefaultModelResult> {
  const { s3, sfn, lambda } = deps.clients;
  const onnx = await trainDefaultModel();
  const digest = sha256(onnx);
  const uploadedAt = Date.now();
  await s3.send(
    new PutObjectCommand({
      Bucket: MODEL_BUCKET_NAME,
      Key: DEFAULT_MODEL_KEY,
      Body: onnx,
      Metadata: { rollout: 'all-at-once' },
    }),
  );
  deps.log(`bootstrap: uploaded the default model ${digest.slice(0, 12)}…; rolling it out`);
  const deadline = uploadedAt + ROLLOUT_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const { executions = [] } = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: deps.stateMachineArn }),
    );
    // Ours is the one started by this upload: the newest started after it (timestamps are seconds).
    const ours = executions
      .filter((e) => (e.startDate?.getTime() ?? 0) >= uploadedAt - 1000)
      .sort((a, b) => (b.startDate?.getTime() ?? 0) - (a.startDate?.getTime() ?? 0))[0];
    if (ours?.executionArn && ours.status !== 'RUNNING') {
      if (ours.status !== 'SUCCEEDED') {
        const d = await sfn.send(new DescribeExecutionCommand({ executionArn: ours.executionArn }));
        throw new Error(
          `the default model's rollout ended ${ours.status}: ${d.error ?? ''} ${d.cause ?? ''}`,
        );
      }
      const alias = await lambda.send(
        new GetAliasCommand({ FunctionName: RECOMMEND_FUNCTION_NAME, Name: LIVE_ALIAS }),
      );
      if (!alias.FunctionVersion) throw new Error('the default model rolled out but live has no version');
      deps.log(`bootstrap: default model live as ${RECOMMEND_FUNCTION_NAME}:${alias.FunctionVersion}`);
      return { liveVersion: alias.FunctionVersion, modelSha256: digest };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the default model's rollout did not finish within ${ROLLOUT_TIMEOUT_MS / 1000} s`);
}

/** Pin an immutable copy by sha256 and publish a version behind `live`, without the pipeline. */
export async function publishDefaultModel(deps: Deps): Promise<DefaultModelResult> {
  const { s3, lambda } = deps.clients;
  const onnx = await trainDefaultModel();
  const digest = sha256(onnx);
  const pinnedKey = `pinned/${digest}.model`;
  await s3.send(new PutObjectCommand({ Bucket: MODEL_BUCKET_NAME, Key: DEFAULT_MODEL_KEY, Body: onnx }));
  await s3.send(
    new CopyObjectCommand({
      Bucket: MODEL_BUCKET_NAME,
      Key: pinnedKey,
      CopySource: `${MODEL_BUCKET_NAME}/${DEFAULT_MODEL_KEY}`,
    }),
  );
  const current = await lambda.send(
    new GetFunctionConfigurationCommand({ FunctionName: RECOMMEND_FUNCTION_NAME }),
  );
  const updated = await lambda.send(
    new UpdateFunctionConfigurationCommand({
      FunctionName: RECOMMEND_FUNCTION_NAME,
      Environment: {
        Variables: {
          ...(current.Environment?.Variables ?? {}),
          MODEL_BUCKET: MODEL_BUCKET_NAME,
          MODEL_KEY: pinnedKey,
          MODEL_SHA256: digest,
          MODEL_SIZE: String(onnx.length),
          MODEL_SOURCE_KEY: DEFAULT_MODEL_KEY,
        },
      },
    }),
  );
  const settled = await waitForUpdate(deps.clients);
  const version = await lambda.send(
    new PublishVersionCommand({
      FunctionName: RECOMMEND_FUNCTION_NAME,
      RevisionId: settled ?? updated.RevisionId,
      Description: `default model ${digest.slice(0, 12)}`,
    }),
  );
  if (!version.Version) throw new Error('PublishVersion returned no version');
  await lambda.send(
    new CreateAliasCommand({
      FunctionName: RECOMMEND_FUNCTION_NAME,
      Name: LIVE_ALIAS,
      FunctionVersion: version.Version,
    }),
  );
  deps.log(
    `bootstrap: default model ${digest.slice(0, 12)}… live as ${RECOMMEND_FUNCTION_NAME}:${version.Version}`,
  );
  return { liveVersion: version.Version, modelSha256: digest };
}

/** LastUpdateStatus goes InProgress → Successful; publish only after, as on AWS. */
async function waitForUpdate(clients: LocalClients): Promise<string | undefined> {
  for (let i = 0; i < 200; i++) {
    const c = await clients.lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: RECOMMEND_FUNCTION_NAME }),
    );
    if (c.LastUpdateStatus === 'Successful') return c.RevisionId;
    if (c.LastUpdateStatus === 'Failed')
      throw new Error(`configuration update failed: ${c.LastUpdateStatusReason}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('configuration update did not settle');
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
