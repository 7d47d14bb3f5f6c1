// One simulated Lambda execution environment for `npm run bench:recommend` (spawned by recommend.ts).
// Plain JavaScript on purpose: a TypeScript loader in this process would distort the import time of
// the bundle, which is what Lambda's init phase pays.
//
// Input (env): BENCH_BUNDLE (index.mjs), BENCH_EVENT (JSON file), BENCH_MODEL (the .onnx file the
// function downloads), BENCH_CALLS, BENCH_WARMUP, BENCH_BLOCK, BENCH_BREAKDOWN ("1": time the
// handler's phases), plus the function's own MODEL_* / AWS_* / TMPDIR. Output: one IPC message.
//
// The reference — a bare onnxruntime `session.run` of the same model, through the same onnxruntime
// instance the bundle loaded — is measured in this process, in blocks alternating with the handler's
// (BENCH_BLOCK calls each), so both see the same CPU, heap and neighbours and their ratio is side by side.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

const event = JSON.parse(readFileSync(process.env.BENCH_EVENT, 'utf8'));
const calls = Number(process.env.BENCH_CALLS);
const warmup = Number(process.env.BENCH_WARMUP);
const block = Number(process.env.BENCH_BLOCK ?? 1000);
const breakdown = process.env.BENCH_BREAKDOWN === '1';
const context = {
  awsRequestId: 'bench',
  functionName: 'hypermob-recommend',
  functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
  invokedFunctionArn: 'arn:aws:lambda:eu-central-1:123456789012:function:hypermob-recommend:live',
  memoryLimitInMB: '1024',
  getRemainingTimeInMillis: () => 10_000,
};

// --breakdown: handler.ts hands this hook to the handler (functions/recommend/app.ts, PHASES); it
// stamps the time each phase of a request ends. Only in its own environment, never in the figures.
const PHASE_COUNT = 8;
const stamps = new Float64Array(PHASE_COUNT);
if (breakdown) {
  globalThis[Symbol.for('hypermob.bench.recommendPhase')] = (phase) => {
    stamps[phase] = performance.now();
  };
}

// Logs and EMF go to stdout (the parent points it at /dev/null). During the cold start, also read
// the "model loaded" log line for the download/verify/session split.
const write = process.stdout.write.bind(process.stdout);
let loaded;
process.stdout.write = (chunk, ...rest) => {
  const s = String(chunk);
  if (s.includes('"model loaded"')) loaded = JSON.parse(s.slice(s.indexOf('{')));
  return write(chunk, ...rest);
};

let t = performance.now();
const { handler } = await import(process.env.BENCH_BUNDLE);
const importMs = performance.now() - t;

t = performance.now();
const first = await handler(event, context);
const firstCallMs = performance.now() - t;
process.stdout.write = write;
// --breakdown: also the cost of each stdout write (one per EMF document; logs, if any).
const writeUs = [];
if (breakdown) {
  process.stdout.write = (chunk, ...rest) => {
    const s = performance.now();
    const r = write(chunk, ...rest);
    writeUs.push((performance.now() - s) * 1000);
    return r;
  };
}
const firstBody = JSON.parse(first.body);
if (first.statusCode !== 200 || firstBody.degraded) {
  throw new Error(`cold request failed: ${first.statusCode} ${first.body}`);
}

// The bare reference: onnxruntime as the bundle loaded it (same native instance), the function's
// session options, one reused 1×6 tensor.
const ort = createRequire(process.env.BENCH_BUNDLE)('onnxruntime-node');
const session = await ort.InferenceSession.create(readFileSync(process.env.BENCH_MODEL), {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
});
const feeds = {
  [session.inputNames[0]]: new ort.Tensor(
    'float32',
    Float32Array.from([175, 32.5, 26.8, 45.2, 38.9, 61.5]),
    [1, 6],
  ),
};

for (let i = 0; i < warmup; i++) await handler(event, context);
for (let i = 0; i < Math.min(warmup, 1000); i++) await session.run(feeds);

const handlerUs = new Float64Array(calls);
const bareUs = new Float64Array(calls);
// Per phase (1..7) the time since the previous one; [0]: outside the handler's own marks (the
// call, its return and the awaiting of its promise).
const phaseUs = breakdown ? Array.from({ length: PHASE_COUNT }, () => new Float64Array(calls)) : [];
let h = 0;
let b = 0;
const started = performance.now();
while (h < calls) {
  const end = Math.min(calls, h + block);
  for (; h < end; h++) {
    const s = performance.now();
    await handler(event, context);
    const d = performance.now() - s;
    handlerUs[h] = d * 1000;
    if (breakdown) {
      for (let p = 1; p < PHASE_COUNT; p++) phaseUs[p][h] = (stamps[p] - stamps[p - 1]) * 1000;
      phaseUs[0][h] = (d - (stamps[PHASE_COUNT - 1] - stamps[0])) * 1000;
    }
  }
  const bareEnd = Math.min(calls, b + block);
  for (; b < bareEnd; b++) {
    const s = performance.now();
    await session.run(feeds);
    bareUs[b] = (performance.now() - s) * 1000;
  }
}
const wallS = (performance.now() - started) / 1000;
await session.release();

function stats(xs) {
  const mean = xs.reduce((a, v) => a + v, 0) / xs.length;
  const s = Float64Array.from(xs).sort();
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { p50Us: at(0.5), p90Us: at(0.9), p99Us: at(0.99), meanUs: mean };
}

const warm = stats(handlerUs);
const bare = stats(bareUs);
process.send(
  {
    importMs,
    firstCallMs,
    downloadMs: loaded?.downloadMs,
    verifyMs: loaded?.verifyMs,
    warmUpMs: loaded?.warmUpMs,
    sessionMs: loaded?.sessionMs,
    source: loaded?.source,
    sha256: firstBody.model.sha256,
    signed: typeof firstBody.recommendation_id === 'string',
    warmP50Us: warm.p50Us,
    warmP99Us: warm.p99Us,
    warmMeanUs: warm.meanUs,
    bareP50Us: bare.p50Us,
    bareP99Us: bare.p99Us,
    bareMeanUs: bare.meanUs,
    wallS,
    ...(breakdown ? { phases: phaseUs.map(stats), writes: writeUs.length, writeStats: stats(writeUs) } : {}),
    rssMb: process.memoryUsage().rss / 2 ** 20,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  },
  () => process.exit(0),
);
