import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import { REPO_ROOT } from '../bundle.js';
import { BENCHES, type BenchName, renderMachine, renderSection, replaceSection } from './report.js';

/**
 * `npm run bench`: every benchmark, one after the other (never two at once: they share the two
 * cores), each with `--json`; then the figures between the markers of docs/benchmarks.md are
 * rewritten (the prose around them is kept) and the raw objects saved to docs/benchmarks.json.
 * `--quick` runs each with few repeats, to check the tooling rather than to measure.
 */

const DOC = join(REPO_ROOT, 'docs/benchmarks.md');
const RAW = join(REPO_ROOT, 'docs/benchmarks.json');

/** Each benchmark's arguments: its defaults are the measured configuration. */
const ARGS: Record<BenchName, { full: string[]; quick: string[] }> = {
  recommend: { full: [], quick: ['--runs', '1', '--calls', '10000', '--warmup', '500'] },
  local: { full: [], quick: ['--runs', '1', '--duration', '2'] },
  peer: { full: [], quick: ['--repeats', '1', '--calls', '2000', '--warmup', '200'] },
  rollout: { full: [], quick: [] }, // --quick: BENCH_REPEATS=1
};

const argsSchema = z.object({
  only: z.string().optional(),
  quick: z.boolean().default(false),
  write: z.boolean().default(true),
});

function runBench(name: BenchName, quick: boolean): Promise<unknown> {
  const spec = ARGS[name];
  const args = [
    '--import',
    'tsx',
    join(REPO_ROOT, `scripts/bench/${name}.ts`),
    '--json',
    ...(quick ? spec.quick : spec.full),
  ];
  const env = { ...process.env, ...(quick && name === 'rollout' ? { BENCH_REPEATS: '1' } : {}) };
  return new Promise((resolve, reject) => {
    // Progress (stderr) passes through; stdout is the one JSON object.
    const child = spawn(process.execPath, args, {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`bench:${name} exited with ${code}`));
      try {
        resolve(JSON.parse(out));
      } catch {
        reject(new Error(`bench:${name} printed no JSON object: ${out.slice(0, 200)}`));
      }
    });
  });
}

async function main() {
  const program = new Command('bench')
    .option('--only <names>', `comma-separated subset of ${BENCHES.join(', ')}`)
    .option('--quick', 'few repeats: checks the tooling, the figures mean little')
    .option('--no-write', 'print the sections instead of rewriting docs/benchmarks.md')
    .parse();
  const args = argsSchema.parse(program.opts());
  const names = args.only ? (args.only.split(',') as BenchName[]) : [...BENCHES];
  for (const n of names) if (!BENCHES.includes(n)) throw new Error(`unknown benchmark ${n}`);

  const loadBefore = loadavg();
  const results: Partial<Record<BenchName, unknown>> = {};
  for (const name of names) {
    process.stderr.write(`\n=== bench:${name} ===\n`);
    const started = Date.now();
    results[name] = await runBench(name, args.quick);
    process.stderr.write(`=== bench:${name} done in ${((Date.now() - started) / 1000).toFixed(0)} s ===\n`);
  }
  const machine = {
    at: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT }).toString().trim(),
    cpus: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    loadBefore,
    loadAfter: loadavg(),
  };

  const sections: [string, string][] = [['machine', renderMachine(machine)]];
  for (const name of names) sections.push([name, renderSection(name, results[name])]);
  if (!args.write || args.quick) {
    for (const [name, body] of sections) process.stdout.write(`\n## ${name}\n\n${body}\n`);
    if (args.quick) process.stderr.write('\n--quick: docs/benchmarks.md left unchanged\n');
    return;
  }
  let doc = readFileSync(DOC, 'utf8');
  for (const [name, body] of sections) doc = replaceSection(doc, name, body);
  writeFileSync(DOC, doc);
  const raw = (() => {
    try {
      return JSON.parse(readFileSync(RAW, 'utf8')) as Record<string, unknown>;
    } catch {
      return {};
    }
  })();
  writeFileSync(RAW, `${JSON.stringify({ ...raw, machine, ...results }, null, 2)}\n`);
  process.stderr.write(`\nwrote ${DOC} and ${RAW}\n`);
}

await main();
