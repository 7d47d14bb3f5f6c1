import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  CreateAliasCommand,
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  PublishVersionCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import {
  FUNCTIONS,
  type FunctionKey,
  LIVE_ALIAS,
  MODEL_BUCKET_NAME,
  RECOMMEND_FUNCTION_NAME,
} from '../../functions/catalog.js';
import { REPO_ROOT } from '../bundle.js';
import type { LocalClients } from './clients.js';
import { baseEnvironment } from './function-env.js';

/**
 * What the CDK stack creates, created locally through the real APIs on every start (idempotent):
 * the bucket and its golden files, the functions from their bundles, the default model pinned by
 * sha256 and live behind the `live` alias. The state machine and its rule are wired by cloud.ts.
 */
export const DEFAULT_MODEL_KEY = 'car_fit_model.onnx';
export const GOLDEN_FILES = [
  {
    key: 'golden/golden_set.json',
    file: 'functions/shared/data/golden_set.json',
    contentType: 'application/json',
  },
  { key: 'golden/seatpos.csv', file: 'functions/shared/data/seatpos.csv', contentType: 'text/csv' },
];
const TEMPLATE = 'functions/recommend/json_template.json';

export interface BootstrapDeps {
  clients: LocalClients;
  lambda: {
    ensureFunction(def: {
      name: string;
      bundleDir: string;
      environment: Record<string, string>;
      memoryMb: number;
      timeoutSeconds: number;
    }): Promise<void>;
  };
  bundle: () => Promise<Record<string, string>>;
  warn: (line: string) => void;
  log: (line: string) => void;
}

export interface BootstrapResult {
  functions: string[];
  liveVersion?: string;
  modelSha256?: string;
}

export async function bootstrap(deps: BootstrapDeps, opts: { model: boolean }): Promise<BootstrapResult> {
  const { s3 } = deps.clients;
  await s3.send(new CreateBucketCommand({ Bucket: MODEL_BUCKET_NAME })).catch((err: unknown) => {
    if (!['BucketAlreadyOwnedByYou', 'BucketAlreadyExists'].includes((err as Error).name)) throw err;
  });
  for (const g of GOLDEN_FILES) {
    const file = path.join(REPO_ROOT, g.file);
    if (!existsSync(file)) {
      deps.warn(`bootstrap: ${g.file} does not exist yet; s3://${MODEL_BUCKET_NAME}/${g.key} not seeded`);
      continue;
    }
    if (await objectExists(deps.clients, g.key)) continue;
    await s3.send(
      new PutObjectCommand({
        Bucket: MODEL_BUCKET_NAME,
        Key: g.key,
        Body: await readFile(file),
        ContentType: g.contentType,
      }),
    );
    deps.log(`bootstrap: seeded s3://${MODEL_BUCKET_NAME}/${g.key}`);
  }

  const bundles = await deps.bundle();
  const functions: string[] = [];
  for (const [key, spec] of Object.entries(FUNCTIONS) as [FunctionKey, (typeof FUNCTIONS)[FunctionKey]][]) {
    const dir = bundles[spec.name];
    if (!dir) continue;
    // Keep what was pinned on $LATEST (MODEL_*): ensureFunction replaces the whole environment.
    const current = await deps.clients.lambda
      .send(new GetFunctionConfigurationCommand({ FunctionName: spec.name }))
      .catch(() => undefined);
    const environment = { ...(current?.Environment?.Variables ?? {}), ...baseEnvironment(key) };
    await deps.lambda.ensureFunction({
      name: spec.name,
      bundleDir: dir,
      environment,
      memoryMb: spec.memoryMb,
      timeoutSeconds: spec.timeoutSeconds,
    });
    functions.push(spec.name);
  }

  const result: BootstrapResult = { functions };
  if (!functions.includes(RECOMMEND_FUNCTION_NAME)) {
    deps.warn(`bootstrap: ${RECOMMEND_FUNCTION_NAME} has no bundle; POST /recommend will fail`);
    return result;
  }
  const alias = await deps.clients.lambda
    .send(new GetAliasCommand({ FunctionName: RECOMMEND_FUNCTION_NAME, Name: LIVE_ALIAS }))
    .catch((err: unknown) => {
      if ((err as Error).name === 'ResourceNotFoundException') return undefined;
      throw err;
    });
  if (alias?.FunctionVersion) return { ...result, liveVersion: alias.FunctionVersion };
  if (!opts.model) return result;
  return { ...result, ...(await putDefaultModelLive(deps)) };
}

/**
 * First start: train the default model, upload it where a data scientist would, pin an immutable
 * copy by sha256 and publish a version serving it behind `live`. (Until the rollout pipeline is the
 * way in, this is a direct publish.)
 */
async function putDefaultModelLive(deps: BootstrapDeps): Promise<Partial<BootstrapResult>> {
  const { s3, lambda } = deps.clients;
  const [{ trainModel }, { parseDataset }] = await Promise.all([
    import('../../functions/shared/model/trainer.js'),
    import('../../functions/shared/dataset.js'),
  ]);
  const templateBytes = await readFile(path.join(REPO_ROOT, TEMPLATE));
  let onnx: Uint8Array;
  try {
    onnx = trainModel(parseDataset(JSON.parse(templateBytes.toString('utf8'))), {
      modelName: 'hypermob-default',
      trainingDataSha256: sha256(templateBytes),
    }).onnx;
  } catch (err) {
    deps.warn(
      `bootstrap: could not train the default model (${(err as Error).message}); no live version yet`,
    );
    return {};
  }
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

async function objectExists(clients: LocalClients, key: string): Promise<boolean> {
  try {
    await clients.s3.send(new HeadObjectCommand({ Bucket: MODEL_BUCKET_NAME, Key: key }));
    return true;
  } catch (err) {
    if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
    throw err;
  }
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
