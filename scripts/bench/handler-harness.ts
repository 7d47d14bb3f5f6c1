import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, openSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { sha256Hex } from '../../functions/shared/model-store.js';
import { bundleEntry, hostArch, REPO_ROOT } from '../bundle.js';

/**
 * The machinery to run the recommend function as Lambda runs it, for benchmarks: the esbuild bundle
 * CDK deploys, a real S3 API on loopback (s3rver) that the environment downloads its model from,
 * a Secrets Manager stand-in holding the key that signs answers (as deployed), and one fresh process
 * per environment (handler-environment.mjs) calling the handler in process
 * with a real API Gateway REST proxy event. Used by `npm run bench:peer` and (bundle, bucket, key
 * service) `npm run bench:recommend`, whose environment script also times phases and a bare run.
 */

const require = createRequire(import.meta.url);
// biome-ignore lint/suspicious/noExplicitAny: s3rver ships no types.
const S3rver = require('s3rver') as any;

export const BENCH_BUCKET = 'hypermob-models';
const REGION = 'eu-central-1';
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const CHILD = fileURLToPath(new URL('./handler-environment.mjs', import.meta.url));

/** Bundles functions/recommend/handler.ts for the host into `dir`; returns the entry (index.mjs). */
export async function bundleRecommend(dir: string): Promise<string> {
  await bundleEntry({
    entry: join(REPO_ROOT, 'functions/recommend/handler.ts'),
    dir,
    arch: hostArch(),
    onnxruntime: true,
    assets: [join(REPO_ROOT, 'functions/recommend/json_template.json')],
    force: true,
  });
  return join(dir, 'index.mjs');
}

/** Where a function environment finds its pinned model (the MODEL_* variables). */
export interface PinnedModel {
  key: string;
  sha256: string;
  size: number;
}

export interface ModelBucket {
  endpoint: string;
  /** Uploads `bytes` under `key` and returns what to pin. */
  put(key: string, bytes: Uint8Array): Promise<PinnedModel>;
  close(): Promise<void>;
}

/** An S3 API on loopback (s3rver, files under `dir`) with the model bucket. */
export async function startModelBucket(dir: string): Promise<ModelBucket> {
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: dir,
    configureBuckets: [{ name: BENCH_BUCKET }],
  });
  const { port } = (await server.run()) as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    endpoint,
    region: REGION,
    forcePathStyle: true,
    credentials: CREDENTIALS,
    // s3rver would store the default aws-chunked upload framing verbatim.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return {
    endpoint,
    async put(key, bytes) {
      await client.send(new PutObjectCommand({ Bucket: BENCH_BUCKET, Key: key, Body: bytes }));
      return { key, sha256: sha256Hex(bytes), size: bytes.length };
    },
    async close() {
      client.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export const BENCH_SECRET_ID = 'hypermob/recommendation-key';

export interface SigningKeyService {
  endpoint: string;
  close(): Promise<void>;
}

/**
 * GetSecretValue (AWS JSON 1.1) for one secret holding a random key: what the function's
 * readSigningKey asks at init, so its answers carry a signed recommendation_id as deployed. The
 * benchmark needs nothing else of Secrets Manager.
 */
export async function startSigningKeyService(): Promise<SigningKeyService> {
  const secret = randomBytes(32).toString('hex');
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const input = JSON.parse(body || '{}') as { SecretId?: string; VersionStage?: string };
      res.setHeader('Content-Type', 'application/x-amz-json-1.1');
      if (
        target.endsWith('.GetSecretValue') &&
        input.SecretId === BENCH_SECRET_ID &&
        input.VersionStage !== 'AWSPREVIOUS'
      ) {
        res.end(
          JSON.stringify({
            ARN: `arn:aws:secretsmanager:${REGION}:123456789012:secret:${BENCH_SECRET_ID}`,
            Name: BENCH_SECRET_ID,
            SecretString: secret,
            VersionId: 'v1',
            VersionStages: ['AWSCURRENT'],
            CreatedDate: 1_795_000_000,
          }),
        );
        return;
      }
      res.statusCode = 400;
      res.end(JSON.stringify({ __type: 'ResourceNotFoundException', message: 'not found' }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

export interface EnvironmentOptions {
  bundle: string;
  endpoint: string;
  model: PinnedModel;
  /** The API Gateway event file every call sends. */
  eventFile: string;
  calls: number;
  warmup: number;
  /** A folder for this environment's fresh TMPDIR (the cold start downloads the model). */
  workDir: string;
  metrics?: boolean;
  /** The Secrets Manager stand-in to read the signing key from; none: answers are not signed. */
  signingKeyEndpoint?: string;
  /** Write a V8 CPU profile of the environment into this folder. */
  cpuProfDir?: string;
}

export const environmentResultSchema = z.object({
  importMs: z.number(),
  firstCallMs: z.number(),
  downloadMs: z.number(),
  verifyMs: z.number(),
  warmUpMs: z.number(),
  sessionMs: z.number(),
  source: z.literal('s3'),
  sha256: z.string(),
  firstBody: z.object({ status: z.literal('success'), data: z.record(z.string(), z.number()) }).loose(),
  durationsMs: z.array(z.number()),
  rssMb: z.number(),
  maxRssMb: z.number(),
});
export type EnvironmentResult = z.infer<typeof environmentResultSchema>;

/** One fresh environment: cold start (import incl. model load), first request, then warm calls. */
export function runEnvironment(opts: EnvironmentOptions): Promise<EnvironmentResult> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_S3: opts.endpoint,
    AWS_LAMBDA_FUNCTION_VERSION: '1',
    MODEL_BUCKET: BENCH_BUCKET,
    MODEL_KEY: opts.model.key,
    MODEL_SHA256: opts.model.sha256,
    MODEL_SIZE: String(opts.model.size),
    TMPDIR: mkdtempSync(join(opts.workDir, 'tmp-')),
    BENCH_BUNDLE: opts.bundle,
    BENCH_EVENT: opts.eventFile,
    BENCH_CALLS: String(opts.calls),
    BENCH_WARMUP: String(opts.warmup),
    ...(opts.metrics === false ? { POWERTOOLS_METRICS_DISABLED: 'true' } : {}),
    ...(opts.signingKeyEndpoint
      ? {
          AWS_ENDPOINT_URL_SECRETS_MANAGER: opts.signingKeyEndpoint,
          RECOMMENDATION_KEY_SECRET: BENCH_SECRET_ID,
        }
      : {}),
  };
  const devNull = openSync('/dev/null', 'w');
  return new Promise((resolve, reject) => {
    const child = fork(CHILD, [], {
      env,
      stdio: ['ignore', devNull, 'inherit', 'ipc'],
      execArgv: opts.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', opts.cpuProfDir] : [],
    });
    let result: EnvironmentResult | undefined;
    let invalid: unknown;
    child.on('message', (m) => {
      const parsed = environmentResultSchema.safeParse(m);
      if (parsed.success) result = parsed.data;
      else invalid = parsed.error;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (result) {
        const signed = typeof result.firstBody.recommendation_id === 'string';
        if (signed !== Boolean(opts.signingKeyEndpoint)) {
          reject(new Error(`environment answered ${signed ? 'with' : 'without'} a recommendation_id`));
        } else if (result.sha256 !== opts.model.sha256) {
          reject(new Error(`environment served ${result.sha256}, expected ${opts.model.sha256}`));
        } else resolve(result);
      } else {
        reject(new Error(`environment exited ${code} without a result${invalid ? `: ${invalid}` : ''}`));
      }
    });
  });
}
