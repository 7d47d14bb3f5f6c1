import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  GetFunctionConfigurationCommand,
  InvokeCommand,
  PublishVersionCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { Command } from 'commander';
import { z } from 'zod';
import { localClients } from '../../local-cloud/clients.js';
import { RECOMMEND_FUNCTION_NAME } from '../../system/manifest.js';

/**
 * `npm run bench:local`: POST /recommend through the local API front (API event → Lambda alias →
 * execution environment → ONNX) and, back to back in each run, a bare Node http server that parses
 * the same body (its floor, scripts/bench/bare-server.mjs): autocannon at 32 connections and a
 * sequential loop at 1, then the cold start of a freshly published version's first environment.
 * Figures are medians of `--runs` runs; `--json` prints them as one object.
 */
const require = createRequire(import.meta.url);
// biome-ignore lint/suspicious/noExplicitAny: autocannon ships no types.
const autocannon = require('autocannon') as (opts: Record<string, unknown>) => Promise<any>;

const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const DURATION_S = Number(process.env.BENCH_DURATION ?? 8);
const BODY = JSON.stringify({ height: 178, upper_arm: 36, forearm: 27, thigh: 59, calf: 46, torso: 60 });

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

/**
 * CPU time (user + system) of the processes serving a measurement, per request: where the two
 * cores go, which wall-clock profiles of one process cannot show. Linux /proc only (USER_HZ 100);
 * elsewhere the figures are absent.
 */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}
const childPids = (pid: number) =>
  readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
const isEnvironment = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('worker.mjs');

type CpuParts = Record<string, () => number>;
/** Runs `measure`, returning its figures and the CPU µs per request of each part and of this process (the load generator). */
async function withCpu<T extends { requests: number }>(parts: CpuParts, measure: () => Promise<T>) {
  if (process.platform !== 'linux') return { ...(await measure()), cpu_us_per_request: undefined };
  const before = Object.fromEntries(Object.entries(parts).map(([k, f]) => [k, f()]));
  const self = process.cpuUsage();
  const r = await measure();
  const selfUs = process.cpuUsage(self);
  const per: Record<string, number> = {};
  for (const [k, f] of Object.entries(parts))
    per[k] = round1(((f() - (before[k] as number)) * 1000) / r.requests);
  per.load_generator = round1((selfUs.user + selfUs.system) / r.requests);
  return { ...r, cpu_us_per_request: per };
}
const round1 = (x: number) => Math.round(x * 10) / 10;

async function load(url: string, connections: number, duration: number) {
  const r = await autocannon({
    url,
    method: 'POST',
    connections,
    duration,
    headers: { 'content-type': 'application/json' },
    body: BODY,
  });
  const bad = r.non2xx + r.errors + r.timeouts;
  if (bad > 0) throw new Error(`${bad} failed requests at concurrency ${connections}`);
  return {
    p50: r.latency.p50 as number,
    p99: r.latency.p99 as number,
    rps: r.requests.average as number,
    requests: r.requests.total as number,
  };
}

/**
 * autocannon's histogram has 1 ms resolution, too coarse for the p50 ≤ 1 ms target at concurrency 1:
 * a sequential keep-alive loop timed with performance.now() gives the sub-millisecond figures.
 */
async function sequential(url: string, durationS: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const u = new URL(url);
  const times: number[] = [];
  const end = performance.now() + durationS * 1000;
  while (performance.now() < end) {
    const t = performance.now();
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        {
          host: u.hostname,
          port: u.port,
          path: u.pathname,
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': BODY.length },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(BODY);
    });
    if (status !== 200) throw new Error(`status ${status}`);
    times.push(performance.now() - t);
  }
  agent.destroy();
  times.sort((a, b) => a - b);
  const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))] as number;
  return { p50: q(0.5), p99: q(0.99), rps: times.length / durationS };
}

/** A child process that prints one JSON line once it listens; SIGTERM stops it. */
async function startProcess<T>(args: string[], what: string) {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  // Its log (START/END/REPORT per invocation) is drained and only the tail kept, for errors.
  const tail: string[] = [];
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (l) => {
    tail.push(l);
    if (tail.length > 20) tail.shift();
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`${what} exited with ${code}:\n${tail.join('\n')}`)));
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return { ...(JSON.parse(line) as T), pid: child.pid as number, stop };
}

/**
 * The cloud runs in its own process (as under `npm start`): autocannon in the same event loop would
 * halve what the server can do and measure the load generator instead.
 */
function startCloud(dataDir: string, cpuProfDir?: string) {
  const script = fileURLToPath(new URL('../../local-cloud/child.ts', import.meta.url));
  const opts = { dataDir, awsPort: 0, apiPort: 0, functions: ['recommend'], rollout: false };
  const prof = cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfDir] : [];
  return startProcess<{ awsEndpoint: string; apiEndpoint: string }>(
    [...prof, '--import', 'tsx', script, JSON.stringify(opts)],
    'local cloud',
  );
}

function startBare() {
  const script = fileURLToPath(new URL('./bare-server.mjs', import.meta.url));
  return startProcess<{ url: string }>([script], 'bare server');
}

const argsSchema = z.object({
  runs: z.coerce.number().int().min(1).max(20),
  duration: z.coerce.number().positive(),
  json: z.boolean().default(false),
  cpuProf: z.string().optional(),
});

async function main() {
  const program = new Command('bench:local')
    .option('--runs <n>', 'repeats of each measurement (medians are reported)', String(REPEATS))
    .option('--duration <s>', 'seconds per measurement', String(DURATION_S))
    .option('--json', 'print one JSON object with the figures')
    .option('--cpu-prof <dir>', "write a V8 CPU profile of the local cloud's process into <dir>")
    .parse();
  const args = argsSchema.parse(program.opts());
  const say = (line: string) => process.stderr.write(`${line}\n`);
  const dataDir = await mkdtemp(path.join(tmpdir(), 'hypermob-bench-'));
  const cloud = await startCloud(dataDir, args.cpuProf);
  const bare = await startBare();
  const clients = localClients(cloud.awsEndpoint, 'us-east-1');
  const loadBefore = loadavg()[0] as number;
  try {
    const url = `${cloud.apiEndpoint}/recommend`;
    say(`warming up ${url} and ${bare.url} …`);
    await load(url, 32, 2);
    await load(bare.url, 32, 1);

    // Each repeat measures both servers back to back, so their ratio is taken in the same minutes.
    const environments = () =>
      childPids(cloud.pid)
        .filter(isEnvironment)
        .reduce((sum, pid) => sum + cpuMs(pid), 0);
    const localParts = { local_cloud: () => cpuMs(cloud.pid), environments };
    const bareParts = { bare_server: () => cpuMs(bare.pid) };
    type Fig = { p50: number; p99: number; rps: number; cpu_us_per_request?: Record<string, number> };
    const runs: { local: Record<'c1' | 'c32', Fig>; bare: Record<'c1' | 'c32', Fig> }[] = [];
    for (let i = 0; i < args.runs; i++) {
      const run = {
        local: {
          c1: await sequential(url, args.duration),
          c32: await withCpu(localParts, () => load(url, 32, args.duration)),
        },
        bare: {
          c1: await sequential(bare.url, args.duration),
          c32: await withCpu(bareParts, () => load(bare.url, 32, args.duration)),
        },
      };
      say(
        `  run ${i + 1}: c=32 ${run.local.c32.rps.toFixed(0)} req/s vs bare ${run.bare.c32.rps.toFixed(0)} (${pct(run.local.c32.rps / run.bare.c32.rps)}); ` +
          `c=1 p50 ${run.local.c1.p50.toFixed(3)} ms vs bare ${run.bare.c1.p50.toFixed(3)} ms`,
      );
      runs.push(run);
    }
    const cold: number[] = [];
    for (let i = 0; i < args.runs; i++) cold.push(await coldStart(clients, i, say));

    const m = (f: (r: (typeof runs)[number]) => number) => median(runs.map(f));
    const result = {
      bench: 'local',
      at: new Date().toISOString(),
      machine: machine(loadBefore),
      runs: args.runs,
      duration_s: args.duration,
      rps_c32: m((r) => r.local.c32.rps),
      bare_rps_c32: m((r) => r.bare.c32.rps),
      ratio_rps_c32: m((r) => r.local.c32.rps / r.bare.c32.rps),
      p50_ms_c32: m((r) => r.local.c32.p50),
      p99_ms_c32: m((r) => r.local.c32.p99),
      bare_p50_ms_c32: m((r) => r.bare.c32.p50),
      p50_ms_c1: m((r) => r.local.c1.p50),
      p99_ms_c1: m((r) => r.local.c1.p99),
      rps_c1: m((r) => r.local.c1.rps),
      bare_p50_ms_c1: m((r) => r.bare.c1.p50),
      bare_p99_ms_c1: m((r) => r.bare.c1.p99),
      bare_rps_c1: m((r) => r.bare.c1.rps),
      cold_start_ms: median(cold),
      // Medians of each part's CPU µs per request at 32 connections.
      cpu_us_per_request_c32: {
        local: medianParts(runs.map((r) => r.local.c32.cpu_us_per_request)),
        bare: medianParts(runs.map((r) => r.bare.c32.cpu_us_per_request)),
      },
      per_run: runs,
      cold_start_runs_ms: cold,
    };
    if (args.json) {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      return;
    }
    const lines = [
      `POST /recommend through the local API front vs a bare Node http server, ${args.duration} s per measurement, median of ${args.runs} runs`,
      `machine: ${result.machine.cpus} CPUs, ${result.machine.cpu}; Node ${result.machine.node}; load average before/after ${result.machine.load_before} / ${result.machine.load_after}`,
      '',
      '| | local API | bare http | local / bare |',
      '| --- | --- | --- | --- |',
      `| req/s, 32 connections | ${result.rps_c32.toFixed(0)} | ${result.bare_rps_c32.toFixed(0)} | ${pct(result.ratio_rps_c32)} |`,
      `| p50 / p99 ms, 32 connections | ${result.p50_ms_c32} / ${result.p99_ms_c32} | ${result.bare_p50_ms_c32} / – | |`,
      `| p50 / p99 ms, 1 connection | ${result.p50_ms_c1.toFixed(3)} / ${result.p99_ms_c1.toFixed(3)} | ${result.bare_p50_ms_c1.toFixed(3)} / ${result.bare_p99_ms_c1.toFixed(3)} | |`,
      `| req/s, 1 connection | ${result.rps_c1.toFixed(0)} | ${result.bare_rps_c1.toFixed(0)} | ${pct(result.rps_c1 / result.bare_rps_c1)} |`,
      '',
      `CPU µs per request at 32 connections (median): local ${JSON.stringify(result.cpu_us_per_request_c32.local)}, bare ${JSON.stringify(result.cpu_us_per_request_c32.bare)}`,
      `Cold start of a new version's first environment (Invoke until response, incl. model load): median ${result.cold_start_ms.toFixed(0)} ms (runs: ${cold.map((c) => c.toFixed(0)).join(', ')})`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    for (const c of Object.values(clients)) c.destroy();
    await Promise.all([cloud.stop(), bare.stop()]);
    await rm(dataDir, { recursive: true, force: true });
  }
}

function medianParts(xs: (Record<string, number> | undefined)[]): Record<string, number> | undefined {
  const present = xs.filter((x): x is Record<string, number> => x !== undefined);
  if (present.length === 0) return undefined;
  return Object.fromEntries(
    Object.keys(present[0] as object).map((k) => [k, median(present.map((x) => x[k] as number))]),
  );
}

const pct = (x: number) => `${(x * 100).toFixed(0)} %`;

function machine(loadBefore: number) {
  return {
    cpus: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    load_before: loadBefore.toFixed(2),
    load_after: (loadavg()[0] as number).toFixed(2),
  };
}

/** Publish a version with a changed environment, then time its first invocation (a cold start). */
async function coldStart(
  clients: ReturnType<typeof localClients>,
  i: number,
  say: (line: string) => void,
): Promise<number> {
  const current = await clients.lambda.send(
    new GetFunctionConfigurationCommand({ FunctionName: RECOMMEND_FUNCTION_NAME }),
  );
  await clients.lambda.send(
    new UpdateFunctionConfigurationCommand({
      FunctionName: RECOMMEND_FUNCTION_NAME,
      Environment: {
        Variables: { ...(current.Environment?.Variables ?? {}), BENCH_NONCE: `${Date.now()}-${i}` },
      },
    }),
  );
  for (;;) {
    const c = await clients.lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: RECOMMEND_FUNCTION_NAME }),
    );
    if (c.LastUpdateStatus === 'Successful') break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const { Version } = await clients.lambda.send(
    new PublishVersionCommand({ FunctionName: RECOMMEND_FUNCTION_NAME }),
  );
  const event = {
    resource: '/recommend',
    path: '/recommend',
    httpMethod: 'POST',
    headers: { 'content-type': 'application/json' },
    multiValueHeaders: { 'content-type': ['application/json'] },
    requestContext: { stage: 'prod' },
    body: BODY,
    isBase64Encoded: false,
  };
  const t = performance.now();
  const r = await clients.lambda.send(
    new InvokeCommand({
      FunctionName: RECOMMEND_FUNCTION_NAME,
      Qualifier: Version,
      Payload: Buffer.from(JSON.stringify(event)),
    }),
  );
  const ms = performance.now() - t;
  const status = JSON.parse(Buffer.from(r.Payload ?? []).toString()).statusCode;
  if (r.FunctionError || status !== 200)
    throw new Error(`cold invoke of version ${Version} failed (${status})`);
  say(`  cold start version ${Version}: ${ms.toFixed(0)} ms`);
  return ms;
}

await main();
