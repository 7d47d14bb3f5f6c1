import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { GetAliasCommand, GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { REPO_ROOT } from '../scripts/bundle.js';
import {
  BUCKET_PREFIXES,
  FUNCTIONS,
  type FunctionKey,
  GOLDEN_FILES,
  LIVE_ALIAS,
  MODEL_BUCKET_NAME,
  RECOMMEND_FUNCTION_NAME,
  RECOMMENDATION_KEY_SECRET_NAME,
} from '../system/manifest.js';
import type { SettingValues } from '../system/settings.js';
import type { LocalClients } from './clients.js';
import { baseEnvironment } from './function-env.js';

/**
 * What the CDK stack creates, created locally through the real APIs on every start (idempotent):
 * the bucket and its golden files, the recommendation key secret (random, generated once and kept in
 * the data directory) and the functions from their bundles. The state machine and its
 * rule are wired by cloud.ts, and the first model goes live through default-model.ts.
 */
export const GOLDEN_SEED = [
  {
    key: `${BUCKET_PREFIXES.golden}${GOLDEN_FILES.goldenSet}`,
    file: 'functions/shared/data/golden_set.json',
    contentType: 'application/json',
  },
  {
    key: `${BUCKET_PREFIXES.golden}${GOLDEN_FILES.seatpos}`,
    file: 'functions/shared/data/seatpos.csv',
    contentType: 'text/csv',
  },
];

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
  secrets: { ensure(name: string): Promise<{ arn: string; created: boolean }> };
  /** Settings a mode of the local cloud changes for every function (the AWS-like timing mode's metric delay). */
  environmentOverrides?: Partial<SettingValues>;
  bundle: () => Promise<Record<string, string>>;
  warn: (line: string) => void;
  log: (line: string) => void;
}

export interface BootstrapResult {
  functions: string[];
  /** The version behind `live`, when a previous start (or rollout) already put one there. */
  liveVersion?: string;
}

export async function bootstrap(deps: BootstrapDeps): Promise<BootstrapResult> {
  const { s3 } = deps.clients;
  await s3.send(new CreateBucketCommand({ Bucket: MODEL_BUCKET_NAME })).catch((err: unknown) => {
    if (!['BucketAlreadyOwnedByYou', 'BucketAlreadyExists'].includes((err as Error).name)) throw err;
  });
  for (const g of GOLDEN_SEED) {
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

  const key = await deps.secrets.ensure(RECOMMENDATION_KEY_SECRET_NAME);
  if (key.created) deps.log(`bootstrap: created the secret ${key.arn} (random recommendation key)`);

  const bundles = await deps.bundle();
  const functions: string[] = [];
  for (const [key, spec] of Object.entries(FUNCTIONS) as [FunctionKey, (typeof FUNCTIONS)[FunctionKey]][]) {
    const dir = bundles[spec.name];
    if (!dir) continue;
    // Keep what was pinned on $LATEST (MODEL_*): ensureFunction replaces the whole environment.
    const current = await deps.clients.lambda
      .send(new GetFunctionConfigurationCommand({ FunctionName: spec.name }))
      .catch(() => undefined);
    const environment = {
      ...(current?.Environment?.Variables ?? {}),
      ...baseEnvironment(key, deps.environmentOverrides),
    };
    await deps.lambda.ensureFunction({
      name: spec.name,
      bundleDir: dir,
      environment,
      memoryMb: spec.memoryMb,
      timeoutSeconds: spec.timeoutSeconds,
    });
    functions.push(spec.name);
  }

  if (!functions.includes(RECOMMEND_FUNCTION_NAME)) {
    deps.warn(`bootstrap: ${RECOMMEND_FUNCTION_NAME} has no bundle; POST /recommend will fail`);
    return { functions };
  }
  const alias = await deps.clients.lambda
    .send(new GetAliasCommand({ FunctionName: RECOMMEND_FUNCTION_NAME, Name: LIVE_ALIAS }))
    .catch((err: unknown) => {
      if ((err as Error).name === 'ResourceNotFoundException') return undefined;
      throw err;
    });
  return alias?.FunctionVersion ? { functions, liveVersion: alias.FunctionVersion } : { functions };
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
