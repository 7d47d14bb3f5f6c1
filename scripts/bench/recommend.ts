import { fork } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Command } from 'commander';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { z } from 'zod';
import { parseDataset } from '../../functions/shared/dataset.js';
import { trainModel } from '../../functions/shared/model/trainer.js';
import { sha256Hex } from '../../functions/shared/model-store.js';
import { apiEvent, VALID_BODY } from '../../test/support/recommend-fakes.js';
import { bundleEntry, hostArch, REPO_ROOT } from '../bundle.js';

/**
 * `npm run bench:recommend`: the recommend function as Lambda runs it — the esbuild bundle CDK
 * deploys, in a fresh process per environment, the model downloaded from a real S3 API (s3rver on
 * loopback). Prints warm latency per handler call with a real API Gateway event, the cold start split
 * into import / download+verify / session, and resident memory; medians over several runs.
 */

const require = createRequire(import.meta.url);
// biome-ignore lint/suspicious/noExplicitAny: s3rver ships no types.
const S3rver = require('s3rver') as any;

const argsSchema = z.object({
  runs: z.coerce.number().int().min(1).max(20),
  calls: z.coerce.number().int().min(10_000),
  warmup: z.coerce.number().int().min(0),
  cpuProf: z.string().optional(),
});

const resultSchema = z.object({
  importMs: z.number(),
  firstCallMs: z.number(),
  downloadMs: z.number(),
  verifyMs: z.number(),
  warmUpMs: z.number(),
  sessionMs: z.number(),
  source: z.literal('s3'),
  sha256: z.string(),
  warmP50Us: z.number(),
  warmP99Us: z.number(),
  warmMeanUs: z.number(),
  rssMb: z.number(),
  maxRssMb: z.number(),
});
type EnvResult = z.infer<typeof resultSchema>;

const BUCKET = 'hypermob-models';
const KEY = 'car_fit_model.onnx';
const CHILD = fileURLToPath(new URL('./recommend-environment.mjs', import.meta.url));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

async function bareOrtRun(model: Uint8Array, calls: number): Promise<{ p50Us: number; p99Us: number }> {
  const session = await InferenceSession.create(model, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const name = session.inputNames[0] as string;
  const feeds = {
    [name]: new Tensor('float32', Float32Array.from([175, 32.5, 26.8, 45.2, 38.9, 61.5]), [1, 6]),
  };
  for (let i = 0; i < 1000; i++) await session.run(feeds);
  const d = new Float64Array(calls);
  for (let i = 0; i < calls; i++) {
    const t = performance.now();
    await session.run(feeds);
    d[i] = performance.now() - t;
  }
  d.sort();
  await session.release();
  return {
    p50Us: (d[Math.floor(calls / 2)] as number) * 1000,
    p99Us: (d[Math.floor(calls * 0.99)] as number) * 1000,
  };
}

function runEnvironment(env: NodeJS.ProcessEnv, cpuProfDir?: string): Promise<EnvResult> {
  const devNull = openSync('/dev/null', 'w');
  return new Promise((resolve, reject) => {
    const child = fork(CHILD, [], {
      env,
      stdio: ['ignore', devNull, 'inherit', 'ipc'],
      execArgv: cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfDir] : [],
    });
    let result: EnvResult | undefined;
    child.on('message', (m) => {
      result = resultSchema.parse(m);
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      result ? resolve(result) : reject(new Error(`environment exited ${code} without a result`)),
    );
  });
}

async function main() {
  const program = new Command('bench:recommend')
    .option('--runs <n>', 'environments to measure (medians are reported)', '3')
    .option('--calls <n>', 'measured warm calls per environment', '20000')
    .option('--warmup <n>', 'unmeasured warm calls first', '2000')
    .option('--cpu-prof <dir>', 'write a V8 CPU profile of each environment into <dir>')
    .parse();
  const args = argsSchema.parse(program.opts());
  const work = mkdtempSync(join(tmpdir(), 'hypermob-bench-recommend-'));
  // biome-ignore lint/suspicious/noExplicitAny: s3rver ships no types.
  let server: any;
  try {
    process.stderr.write('bundling functions/recommend/handler.ts …\n');
    const bundle = join(work, 'bundle');
    await bundleEntry({
      entry: join(REPO_ROOT, 'functions/recommend/handler.ts'),
      dir: bundle,
      arch: hostArch(),
      onnxruntime: true,
      assets: [join(REPO_ROOT, 'functions/recommend/json_template.json')],
      force: true,
    });

    const template = parseDataset(
      JSON.parse(readFileSync(join(REPO_ROOT, 'functions/recommend/json_template.json'), 'utf8')),
    );
    const model = trainModel(template, { modelName: 'bench' });
    const sha256 = sha256Hex(model.onnx);

    server = new S3rver({
      address: '127.0.0.1',
      port: 0,
      silent: true,
      directory: join(work, 's3'),
      configureBuckets: [{ name: BUCKET }],
    });
    const { port } = (await server.run()) as AddressInfo;
    const endpoint = `http://127.0.0.1:${port}`;
    const uploader = new S3Client({
      endpoint,
      region: 'eu-central-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      // s3rver would store the default aws-chunked upload framing verbatim.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    await uploader.send(new PutObjectCommand({ Bucket: BUCKET, Key: KEY, Body: model.onnx }));
    uploader.destroy();

    const eventFile = join(work, 'event.json');
    writeFileSync(eventFile, JSON.stringify(apiEvent(VALID_BODY)));

    const loadBefore = loadavg()[0] as number;
    const results: EnvResult[] = [];
    const noMetrics: EnvResult[] = [];
    for (let run = 0; run < args.runs; run++) {
      for (const metricsOn of [true, false]) {
        const env: NodeJS.ProcessEnv = {
          PATH: process.env.PATH,
          NODE_ENV: 'production',
          AWS_REGION: 'eu-central-1',
          AWS_ACCESS_KEY_ID: 'S3RVER',
          AWS_SECRET_ACCESS_KEY: 'S3RVER',
          AWS_ENDPOINT_URL_S3: endpoint,
          AWS_LAMBDA_FUNCTION_VERSION: '1',
          MODEL_BUCKET: BUCKET,
          MODEL_KEY: KEY,
          MODEL_SHA256: sha256,
          MODEL_SIZE: String(model.onnx.length),
          TMPDIR: mkdtempSync(join(work, 'tmp-')), // a fresh /tmp: the cold start downloads
          BENCH_BUNDLE: join(bundle, 'index.mjs'),
          BENCH_EVENT: eventFile,
          BENCH_CALLS: String(args.calls),
          BENCH_WARMUP: String(args.warmup),
          ...(metricsOn ? {} : { POWERTOOLS_METRICS_DISABLED: 'true' }),
        };
        const r = await runEnvironment(env, args.cpuProf);
        if (r.sha256 !== sha256) throw new Error(`environment served ${r.sha256}, expected ${sha256}`);
        (metricsOn ? results : noMetrics).push(r);
        process.stderr.write(
          `run ${run + 1}${metricsOn ? '' : ' (metrics off)'}: warm p50 ${r.warmP50Us.toFixed(1)} µs\n`,
        );
      }
    }
    const bare = await bareOrtRun(model.onnx, args.calls);

    const cpu = cpus()[0]?.model ?? 'unknown';
    const row = (label: string, xs: number[], digits = 1) =>
      `${label.padEnd(38)}${xs.map((x) => x.toFixed(digits).padStart(9)).join('')}${median(xs).toFixed(digits).padStart(11)}`;
    const pick = (k: keyof EnvResult, from = results) => from.map((r) => r[k] as number);
    const lines = [
      `recommend function benchmark — ${new Date().toISOString()}`,
      `machine: ${cpus().length} CPUs, ${cpu}; Node ${process.version}; model ${model.kind}, ${model.onnx.length} bytes`,
      `load average (1 min) before/after: ${loadBefore.toFixed(2)} / ${(loadavg()[0] as number).toFixed(2)} — other processes share these CPUs`,
      `${args.runs} fresh environments × ${args.calls} warm handler calls (after ${args.warmup} warm-up), real API Gateway REST event`,
      '',
      `${''.padEnd(38)}${results.map((_, i) => `run ${i + 1}`.padStart(9)).join('')}${'median'.padStart(11)}`,
      row('warm p50 per call (µs)', pick('warmP50Us')),
      row('warm p99 per call (µs)', pick('warmP99Us')),
      row('warm mean per call (µs)', pick('warmMeanUs')),
      row('warm p50, metrics disabled (µs)', pick('warmP50Us', noMetrics)),
      row('warm p99, metrics disabled (µs)', pick('warmP99Us', noMetrics)),
      // handler.ts loads the model in its top-level await, so importing the bundle is Lambda's whole
      // init phase: module evaluation plus download, verify and session creation.
      row('cold: init = import incl. model load (ms)', pick('importMs')),
      row(
        '  of which module import alone (ms)',
        results.map((r) => r.importMs - (r.downloadMs ?? 0) - (r.verifyMs ?? 0) - (r.sessionMs ?? 0)),
      ),
      row('  of which download from S3, wall (ms)', pick('downloadMs'), 2),
      row('    of which runtime init, overlapped (ms)', pick('warmUpMs')),
      row('  of which verify sha256 (ms)', pick('verifyMs'), 2),
      row('  of which session + contract check (ms)', pick('sessionMs')),
      row('cold: first request (ms)', pick('firstCallMs')),
      row(
        'cold: init + first request (ms)',
        results.map((r) => r.importMs + r.firstCallMs),
      ),
      row('RSS of the warm environment (MB)', pick('rssMb')),
      row('peak RSS (MB)', pick('maxRssMb')),
      '',
      `reference: one bare onnxruntime-node session.run (1×6): p50 ${bare.p50Us.toFixed(1)} µs, p99 ${bare.p99Us.toFixed(1)} µs`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
