// One simulated Lambda execution environment of the recommend function (spawned by
// handler-harness.ts: `npm run bench:peer`; recommend.ts's recommend-environment.mjs does the same
// and could move onto this). Plain JavaScript on purpose: a TypeScript loader in this process would
// distort the import time of the bundle, which is what Lambda's init phase pays.
//
// Input (env): BENCH_BUNDLE (index.mjs), BENCH_EVENT (JSON file), BENCH_CALLS, BENCH_WARMUP, plus the
// function's own MODEL_* / AWS_* / TMPDIR. Output: one IPC message with the measurements, the warm
// durations raw (ms, in call order) so the parent computes percentiles for every design alike.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const event = JSON.parse(readFileSync(process.env.BENCH_EVENT, 'utf8'));
const calls = Number(process.env.BENCH_CALLS);
const warmup = Number(process.env.BENCH_WARMUP);
const context = {
  awsRequestId: 'bench',
  functionName: 'hypermob-recommend',
  functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
  invokedFunctionArn: 'arn:aws:lambda:eu-central-1:123456789012:function:hypermob-recommend:live',
  memoryLimitInMB: '1024',
  getRemainingTimeInMillis: () => 10_000,
};

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
const firstBody = JSON.parse(first.body);
if (first.statusCode !== 200 || firstBody.degraded) {
  throw new Error(`cold request failed: ${first.statusCode} ${first.body}`);
}

for (let i = 0; i < warmup; i++) await handler(event, context);
const durations = new Float64Array(calls);
for (let i = 0; i < calls; i++) {
  const s = performance.now();
  await handler(event, context);
  durations[i] = performance.now() - s;
}

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
    firstBody,
    durationsMs: Array.from(durations),
    rssMb: process.memoryUsage().rss / 2 ** 20,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  },
  () => process.exit(0),
);
