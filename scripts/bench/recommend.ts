import { fork } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { z } from 'zod';
import { parseDataset } from '../../functions/shared/dataset.js';
import { trainModel } from '../../functions/shared/model/trainer.js';
import { apiEvent, VALID_BODY } from '../../test/support/recommend-fakes.js';
import { REPO_ROOT } from '../bundle.js';
import {
  BENCH_BUCKET,
  BENCH_SECRET_ID,
  bundleRecommend,
  type ModelBucket,
  type SigningKeyService,
  startModelBucket,
  startSigningKeyService,
} from './handler-harness.js';

/**
 * `npm run bench:recommend`: the recommend function as Lambda runs it — the esbuild bundle CDK
 * deploys, in a fresh process per environment, the model downloaded from a real S3 API (s3rver on
 * loopback), the recommendation key from a Secrets Manager stand-in (so answers are signed, as
 * deployed). Prints warm latency per handler call with a real API Gateway event next to a bare
 * onnxruntime `session.run` of the same model measured in the same process, interleaved in blocks
 * (their ratio is what to judge on a shared machine), the cold start split into import /
 * download+verify / session, and resident memory; medians over several runs.
 *
 * --json prints exactly one JSON object on stdout (progress goes to stderr); --breakdown adds one
 * instrumented environment that times the phases of each request (functions/recommend/app.ts PHASES).
 */

const argsSchema = z.object({
  runs: z.coerce.number().int().min(1).max(20),
  calls: z.coerce.number().int().min(10_000),
  warmup: z.coerce.number().int().min(0),
  block: z.coerce.number().int().min(100),
  cpuProf: z.string().optional(),
  json: z.boolean().optional(),
  breakdown: z.boolean().optional(),
});

const statsSchema = z.object({ p50Us: z.number(), p90Us: z.number(), p99Us: z.number(), meanUs: z.number() });
const resultSchema = z.object({
  importMs: z.number(),
  firstCallMs: z.number(),
  downloadMs: z.number(),
  verifyMs: z.number(),
  warmUpMs: z.number(),
  sessionMs: z.number(),
  source: z.literal('s3'),
  sha256: z.string(),
  signed: z.boolean(),
  warmP50Us: z.number(),
  warmP99Us: z.number(),
  warmMeanUs: z.number(),
  bareP50Us: z.number(),
  bareP99Us: z.number(),
  bareMeanUs: z.number(),
  wallS: z.number(),
  phases: z.array(statsSchema).optional(),
  writes: z.number().optional(),
  writeStats: statsSchema.optional(),
  rssMb: z.number(),
  maxRssMb: z.number(),
});
type EnvResult = z.infer<typeof resultSchema>;

/** functions/recommend/app.ts PHASES, with [0] = outside the handler's marks. */
const PHASE_LABELS = [
  'outside the handler (call, return, await)',
  'event check + routing',
  'body JSON.parse + validation + feature row',
  'model: provider + predictOne (incl. session.run)',
  'finite check + clamping',
  'recommendation token (HMAC-SHA256)',
  'response body + result',
  'bookkeeping + metrics (EMF)',
];

const KEY = 'car_fit_model.onnx';
const CHILD = fileURLToPath(new URL('./recommend-environment.mjs', import.meta.url));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

function runEnvironment(env: NodeJS.ProcessEnv, cpuProfDir?: string): Promise<EnvResult> {
  const devNull = openSync('/dev/null', 'w');
  return new Promise((resolve, reject) => {
    const child = fork(CHILD, [], {
      env,
      stdio: ['ignore', devNull, 'inherit', 'ipc'],
      // Sampled every 50 µs: a request takes ~20 µs, the default 1 ms interval would see few of them.
      execArgv: cpuProfDir ? ['--cpu-prof', '--cpu-prof-interval', '50', '--cpu-prof-dir', cpuProfDir] : [],
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

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    if (line) return line.slice(line.indexOf(':') + 1).trim();
  } catch {
    // not Linux
  }
  return cpus()[0]?.model ?? 'unknown';
}

async function main() {
  const program = new Command('bench:recommend')
    .option('--runs <n>', 'environments to measure (medians are reported)', '3')
    .option('--calls <n>', 'measured warm calls per environment (and as many bare session.run)', '20000')
    .option('--warmup <n>', 'unmeasured warm calls first', '2000')
    .option(
      '--block <n>',
      'handler calls and bare session.run calls alternate in blocks of this size',
      '1000',
    )
    .option('--cpu-prof <dir>', 'write a V8 CPU profile of each environment into <dir>')
    .option('--json', 'print one JSON object on stdout (progress on stderr)')
    .option('--breakdown', 'also time the phases of each request in one instrumented environment')
    .parse();
  const args = argsSchema.parse(program.opts());
  const work = mkdtempSync(join(tmpdir(), 'hypermob-bench-recommend-'));
  let bucket: ModelBucket | undefined;
  let secrets: SigningKeyService | undefined;
  try {
    process.stderr.write('bundling functions/recommend/handler.ts …\n');
    const entry = await bundleRecommend(join(work, 'bundle'));

    const template = parseDataset(
      JSON.parse(readFileSync(join(REPO_ROOT, 'functions/recommend/json_template.json'), 'utf8')),
    );
    const model = trainModel(template, { modelName: 'bench' });
    const modelFile = join(work, 'model.onnx');
    writeFileSync(modelFile, model.onnx);

    bucket = await startModelBucket(join(work, 's3'));
    const pinned = await bucket.put(KEY, model.onnx);
    const sha256 = pinned.sha256;
    const endpoint = bucket.endpoint;
    const keys = await startSigningKeyService();
    secrets = keys;

    const eventFile = join(work, 'event.json');
    writeFileSync(eventFile, JSON.stringify(apiEvent(VALID_BODY)));

    const environment = (metricsOn: boolean, breakdown = false): NodeJS.ProcessEnv => ({
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      AWS_REGION: 'eu-central-1',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: keys.endpoint,
      AWS_LAMBDA_FUNCTION_VERSION: '1',
      MODEL_BUCKET: BENCH_BUCKET,
      MODEL_KEY: KEY,
      MODEL_SHA256: sha256,
      MODEL_SIZE: String(pinned.size),
      RECOMMENDATION_KEY_SECRET: BENCH_SECRET_ID,
      TMPDIR: mkdtempSync(join(work, 'tmp-')), // a fresh /tmp: the cold start downloads
      BENCH_BUNDLE: entry,
      BENCH_EVENT: eventFile,
      BENCH_MODEL: modelFile,
      BENCH_CALLS: String(args.calls),
      BENCH_WARMUP: String(args.warmup),
      BENCH_BLOCK: String(args.block),
      ...(breakdown ? { BENCH_BREAKDOWN: '1' } : {}),
      ...(metricsOn ? {} : { POWERTOOLS_METRICS_DISABLED: 'true' }),
    });
    const check = (r: EnvResult) => {
      if (r.sha256 !== sha256) throw new Error(`environment served ${r.sha256}, expected ${sha256}`);
      if (!r.signed) throw new Error('the answers carry no recommendation_id');
    };

    const loadBefore = loadavg();
    const startedAt = new Date().toISOString();
    const results: EnvResult[] = [];
    const noMetrics: EnvResult[] = [];
    for (let run = 0; run < args.runs; run++) {
      for (const metricsOn of [true, false]) {
        const r = await runEnvironment(environment(metricsOn), args.cpuProf);
        check(r);
        (metricsOn ? results : noMetrics).push(r);
        process.stderr.write(
          `run ${run + 1}${metricsOn ? '' : ' (metrics off)'}: warm p50 ${r.warmP50Us.toFixed(1)} µs, ` +
            `p99 ${r.warmP99Us.toFixed(1)} µs; bare session.run p50 ${r.bareP50Us.toFixed(1)} µs, ` +
            `p99 ${r.bareP99Us.toFixed(1)} µs; ratio p50 ${(r.warmP50Us / r.bareP50Us).toFixed(2)}\n`,
        );
      }
    }
    let instrumented: EnvResult | undefined;
    if (args.breakdown) {
      process.stderr.write('breakdown: one instrumented environment …\n');
      instrumented = await runEnvironment(environment(true, true));
      check(instrumented);
    }
    const loadAfter = loadavg();

    const pick = (k: keyof EnvResult, from = results) => from.map((r) => r[k] as number);
    const ratio = (from: EnvResult[], q: 'P50' | 'P99') =>
      from.map((r) => (r[`warm${q}Us`] as number) / (r[`bare${q}Us`] as number));
    const moduleImport = results.map(
      (r) => r.importMs - (r.downloadMs ?? 0) - (r.verifyMs ?? 0) - (r.sessionMs ?? 0),
    );
    const breakdownRows = instrumented?.phases?.map((p, i) => ({
      phase: PHASE_LABELS[i] as string,
      p50_us: round(p.p50Us, 2),
      p99_us: round(p.p99Us, 2),
      mean_us: round(p.meanUs, 2),
    }));

    if (args.json) {
      const perRun = results.map((r, i) => {
        const off = noMetrics[i] as EnvResult;
        return {
          warm_p50_us: round(r.warmP50Us),
          warm_p99_us: round(r.warmP99Us),
          warm_mean_us: round(r.warmMeanUs),
          bare_p50_us: round(r.bareP50Us),
          bare_p99_us: round(r.bareP99Us),
          ratio_p50: round(r.warmP50Us / r.bareP50Us, 3),
          ratio_p99: round(r.warmP99Us / r.bareP99Us, 3),
          warm_p50_us_metrics_off: round(off.warmP50Us),
          warm_p99_us_metrics_off: round(off.warmP99Us),
          bare_p50_us_metrics_off_env: round(off.bareP50Us),
          bare_p99_us_metrics_off_env: round(off.bareP99Us),
          ratio_p50_metrics_off: round(off.warmP50Us / off.bareP50Us, 3),
          init_ms: round(r.importMs),
          module_import_ms: round(moduleImport[i] as number),
          download_ms: round(r.downloadMs, 2),
          runtime_init_ms: round(r.warmUpMs),
          verify_ms: round(r.verifyMs, 2),
          session_ms: round(r.sessionMs),
          first_request_ms: round(r.firstCallMs, 2),
          init_plus_first_request_ms: round(r.importMs + r.firstCallMs),
          rss_mb: round(r.rssMb),
          max_rss_mb: round(r.maxRssMb),
        };
      });
      const med = (k: keyof (typeof perRun)[number]) => round(median(perRun.map((r) => r[k] as number)), 3);
      const out = {
        benchmark: 'recommend',
        started_at: startedAt,
        finished_at: new Date().toISOString(),
        machine: {
          nproc: cpus().length,
          cpu_model: cpuModel(),
          node: process.version,
          loadavg_before: loadBefore.map((x) => round(x, 2)),
          loadavg_after: loadAfter.map((x) => round(x, 2)),
        },
        model: { kind: model.kind, bytes: model.onnx.length },
        runs: args.runs,
        calls: args.calls,
        warmup: args.warmup,
        block: args.block,
        signed: true,
        note: 'medians over runs (one fresh environment each); ratios are per run (handler and bare session.run interleaved in the same process) and then their median',
        warm_p50_us: med('warm_p50_us'),
        warm_p99_us: med('warm_p99_us'),
        warm_mean_us: med('warm_mean_us'),
        bare_p50_us: med('bare_p50_us'),
        bare_p99_us: med('bare_p99_us'),
        ratio_p50: med('ratio_p50'),
        ratio_p99: med('ratio_p99'),
        warm_p50_us_metrics_off: med('warm_p50_us_metrics_off'),
        warm_p99_us_metrics_off: med('warm_p99_us_metrics_off'),
        ratio_p50_metrics_off: med('ratio_p50_metrics_off'),
        init_ms: med('init_ms'),
        module_import_ms: med('module_import_ms'),
        download_ms: med('download_ms'),
        runtime_init_ms: med('runtime_init_ms'),
        verify_ms: med('verify_ms'),
        session_ms: med('session_ms'),
        first_request_ms: med('first_request_ms'),
        init_plus_first_request_ms: med('init_plus_first_request_ms'),
        rss_mb: med('rss_mb'),
        max_rss_mb: med('max_rss_mb'),
        per_run: perRun,
        ...(instrumented
          ? {
              breakdown: {
                warm_p50_us: round(instrumented.warmP50Us),
                bare_p50_us: round(instrumented.bareP50Us),
                phases: breakdownRows,
                stdout_writes: instrumented.writes,
                stdout_write_p50_us: round(instrumented.writeStats?.p50Us ?? 0, 2),
                stdout_write_p99_us: round(instrumented.writeStats?.p99Us ?? 0, 2),
              },
            }
          : {}),
      };
      process.stdout.write(`${JSON.stringify(out)}\n`);
      return;
    }

    const row = (label: string, xs: number[], digits = 1) =>
      `${label.padEnd(44)}${xs.map((x) => x.toFixed(digits).padStart(9)).join('')}${median(xs).toFixed(digits).padStart(11)}`;
    const lines = [
      `recommend function benchmark — ${new Date().toISOString()}`,
      `machine: ${cpus().length} CPUs, ${cpuModel()}; Node ${process.version}; model ${model.kind}, ${model.onnx.length} bytes`,
      `load average (1 min) before/after: ${(loadBefore[0] as number).toFixed(2)} / ${(loadAfter[0] as number).toFixed(2)} — other processes share these CPUs`,
      `${args.runs} fresh environments × ${args.calls} warm handler calls (after ${args.warmup} warm-up), real API Gateway REST event, signed answers;`,
      `  interleaved in blocks of ${args.block} with as many bare session.run calls in the same process`,
      '',
      `${''.padEnd(44)}${results.map((_, i) => `run ${i + 1}`.padStart(9)).join('')}${'median'.padStart(11)}`,
      row('warm p50 per call (µs)', pick('warmP50Us')),
      row('warm p99 per call (µs)', pick('warmP99Us')),
      row('warm mean per call (µs)', pick('warmMeanUs')),
      row('bare session.run p50, same process (µs)', pick('bareP50Us')),
      row('bare session.run p99, same process (µs)', pick('bareP99Us')),
      row('ratio p50 warm / bare', ratio(results, 'P50'), 2),
      row('ratio p99 warm / bare', ratio(results, 'P99'), 2),
      row('warm p50, metrics disabled (µs)', pick('warmP50Us', noMetrics)),
      row('warm p99, metrics disabled (µs)', pick('warmP99Us', noMetrics)),
      row('  bare p50 in that environment (µs)', pick('bareP50Us', noMetrics)),
      row('  ratio p50, metrics disabled', ratio(noMetrics, 'P50'), 2),
      // handler.ts loads the model in its top-level await, so importing the bundle is Lambda's whole
      // init phase: module evaluation plus download, verify and session creation.
      row('cold: init = import incl. model load (ms)', pick('importMs')),
      row('  of which module import alone (ms)', moduleImport),
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
    ];
    if (instrumented && breakdownRows) {
      lines.push(
        '',
        `breakdown (one instrumented environment: warm p50 ${instrumented.warmP50Us.toFixed(1)} µs, bare session.run p50 ${instrumented.bareP50Us.toFixed(1)} µs)`,
        `${'phase'.padEnd(52)}${'p50 µs'.padStart(9)}${'p99 µs'.padStart(9)}${'mean µs'.padStart(9)}`,
        ...breakdownRows.map(
          (p) =>
            `${p.phase.padEnd(52)}${p.p50_us.toFixed(2).padStart(9)}${p.p99_us.toFixed(2).padStart(9)}${p.mean_us.toFixed(2).padStart(9)}`,
        ),
        `stdout writes (EMF documents): ${instrumented.writes} for ${args.calls} calls, each p50 ${instrumented.writeStats?.p50Us.toFixed(2)} µs, p99 ${instrumented.writeStats?.p99Us.toFixed(2)} µs`,
      );
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await bucket?.close();
    await secrets?.close();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
