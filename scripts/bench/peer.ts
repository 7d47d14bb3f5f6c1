import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { z } from 'zod';
import { loadModel } from '../../functions/shared/inference.js';
import { apiEvent } from '../../test/support/recommend-fakes.js';
import { REPO_ROOT } from '../bundle.js';
import {
  bundleRecommend,
  type EnvironmentResult,
  runEnvironment,
  type SigningKeyService,
  startModelBucket,
  startSigningKeyService,
} from './handler-harness.js';
import {
  type Agreement,
  compareRows,
  formatTable,
  MODEL_KINDS,
  type ModelKind,
  type ModelReport,
  median,
  P50_TARGETS,
  type PeerRun,
  parsePythonJson,
  peerRunSchema,
  summarise,
  type TrainSummary,
  trainSummarySchema,
} from './peer/summary.js';

/**
 * `npm run bench:peer`: our recommend handler against the design it replaces — a Python Lambda that
 * loads a scikit-learn model with joblib and calls `predict` per request — for three model classes
 * (linear, MLP, random forest) trained on the template dataset, side by side in one run.
 *
 * - scripts/bench/peer/train.py fits each model with scikit-learn, pickles it with joblib and writes
 *   the same model as ONNX (python3-onnx helper API); here onnxruntime-node, through the service's
 *   own loadModel, must reproduce scikit-learn's predictions, or the run fails.
 * - ours: the esbuild bundle of functions/recommend/handler.ts in a fresh Node process per run,
 *   the model downloaded from S3 on loopback, called in process (handler-harness.ts).
 * - peer: scripts/bench/peer/run.py in a fresh /usr/bin/python3 per run, calling
 *   scripts/bench/peer/handler.py's handler(event, context).
 * Both get the same API Gateway REST proxy event; each call is timed on its own after unmeasured
 * warm-up calls; repeats alternate which design runs first and medians are reported.
 *
 * `--json` prints one JSON object on stdout; progress always goes to stderr.
 */

const PYTHON = '/usr/bin/python3';
const APT_PACKAGES = ['python3-sklearn', 'python3-joblib', 'python3-onnx', 'python3-numpy'];
const PY_MODULES = 'sklearn, joblib, onnx, numpy, scipy';
const PEER_DIR = fileURLToPath(new URL('./peer/', import.meta.url));
/** The body of the issue; thigh/calf/torso are within the API's plausible ranges. */
export const BENCH_BODY = { height: 178, upper_arm: 36, forearm: 27, thigh: 59, calf: 46, torso: 60 };
const TOLERANCE = 1e-4;

const argsSchema = z.object({
  calls: z.coerce.number().int().min(1),
  warmup: z.coerce.number().int().min(0),
  repeats: z.coerce.number().int().min(1).max(20),
  models: z
    .string()
    .transform((s) => s.split(',').map((k) => k.trim()))
    .pipe(z.array(z.enum(MODEL_KINDS)).min(1)),
  trees: z.coerce.number().int().min(1),
  maxDepth: z.union([z.literal('none'), z.coerce.number().int().min(1)]),
  checkRows: z.coerce.number().int().min(10),
  seed: z.coerce.number().int().min(0),
  json: z.boolean().optional(),
  install: z.boolean(),
  sign: z.boolean(),
  cpuProf: z.string().optional(),
});
type Args = z.infer<typeof argsSchema>;

const log = (line: string) => process.stderr.write(`${line}\n`);

/**
 * Environment for Debian's interpreter, which runs with -B (no .pyc beside the scripts), -E (no
 * PYTHON* variables, e.g. from pyenv) and -s (no user site-packages): Debian's dist-packages only.
 */
function pythonEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8', ...extra };
}

function missingPythonModules(): string | undefined {
  const r = spawnSync(PYTHON, ['-B', '-E', '-s', '-c', `import ${PY_MODULES}`], {
    env: pythonEnv(),
    encoding: 'utf8',
  });
  if (r.error) return `${PYTHON}: ${r.error.message}`;
  return r.status === 0 ? undefined : (r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`);
}

/** Debian's scikit-learn stack for /usr/bin/python3: present, installed now, or a clear failure. */
function ensurePython(install: boolean): void {
  const missing = missingPythonModules();
  if (!missing) return;
  const how = `apt-get update && apt-get install -y --no-install-recommends ${APT_PACKAGES.join(' ')}`;
  const cannot = (why: string) =>
    new Error(
      `bench:peer needs Debian's ${APT_PACKAGES.join(', ')} for ${PYTHON} (${missing}); ${why}. Install them with: ${how}`,
    );
  if (!install) throw cannot('--no-install was given');
  if (process.getuid?.() !== 0) throw cannot('not running as root, so not installing them');
  log(`bench:peer: ${missing}; installing ${APT_PACKAGES.join(' ')} with apt-get …`);
  const apt = (args: string[]) => {
    // apt's output goes to stderr: stdout is reserved for the --json report.
    const r = spawnSync('apt-get', args, {
      stdio: ['ignore', 2, 2],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (r.error || r.status !== 0)
      throw cannot(`apt-get ${args[0]} failed (${r.error?.message ?? `exit ${r.status}`})`);
  };
  apt(['update', '-qq']);
  apt(['install', '-y', '-qq', '--no-install-recommends', ...APT_PACKAGES]);
  const still = missingPythonModules();
  if (still) throw cannot(`still missing after apt-get install: ${still}`);
}

/** Runs a script of scripts/bench/peer/ with /usr/bin/python3; resolves to its stdout. */
function runPython(script: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, ['-B', '-E', '-s', join(PEER_DIR, script), ...args], {
      cwd: PEER_DIR,
      env: pythonEnv(env),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(Buffer.concat(chunks).toString('utf8'))
        : reject(new Error(`${PYTHON} ${script} exited ${code}`)),
    );
  });
}

/** onnxruntime-node (the service's loadModel: bounds, contract, probe) against scikit-learn. */
async function checkEquivalence(kind: ModelKind, work: string, onnx: Uint8Array): Promise<Agreement> {
  const check = z
    .object({ rows: z.array(z.array(z.number())), predicted: z.array(z.array(z.number())) })
    .parse(JSON.parse(readFileSync(join(work, `${kind}.check.json`), 'utf8')));
  const model = await loadModel(onnx);
  try {
    const got = await model.predict(check.rows);
    const agreement = compareRows(got, check.predicted, TOLERANCE);
    if (agreement.failures > 0) {
      const w = agreement.worst;
      throw new Error(
        `${kind}: onnxruntime disagrees with scikit-learn on ${agreement.failures} of ${agreement.values} values ` +
          `beyond ${TOLERANCE}·max(1,|sklearn|); worst row ${w?.row} column ${w?.column}: ` +
          `onnxruntime ${w?.got}, scikit-learn ${w?.want}`,
      );
    }
    return agreement;
  } finally {
    await model.release();
  }
}

/** Both designs answered the cold request with the same seven values (to the 3 decimals both send). */
function checkAnswers(kind: ModelKind, ours: Record<string, number>, peer: Record<string, number>): void {
  for (const [name, value] of Object.entries(peer)) {
    const o = ours[name];
    if (o === undefined || Math.abs(o - value) > 2e-3 + TOLERANCE * Math.abs(value)) {
      throw new Error(`${kind}: the handlers answer ${name} differently: ours ${o}, peer ${value}`);
    }
  }
}

interface Run {
  ours: EnvironmentResult;
  peer: PeerRun;
  order: string;
  repeat: number;
}

function onnxruntimeVersion(): string {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules/onnxruntime-node/package.json'), 'utf8'));
  return String(pkg.version);
}

function modelReport(kind: ModelKind, runs: Run[], trained: TrainSummary, agreement: Agreement): ModelReport {
  const ours = runs.map((r) => ({ raw: r.ours, lat: summarise(r.ours.durationsMs, 1000) }));
  const peer = runs.map((r) => ({ raw: r.peer, lat: summarise(r.peer.durationsNs, 1e-3) }));
  const med = <T>(xs: T[], f: (x: T) => number) => median(xs.map(f));
  const oursP50 = med(ours, (r) => r.lat.p50Us);
  const peerP50 = med(peer, (r) => r.lat.p50Us);
  const oursP99 = med(ours, (r) => r.lat.p99Us);
  const peerP99 = med(peer, (r) => r.lat.p99Us);
  const t = trained.models[kind];
  return {
    params: t.params,
    ours_p50_us: oursP50,
    ours_p99_us: oursP99,
    ours_mean_us: med(ours, (r) => r.lat.meanUs),
    peer_p50_us: peerP50,
    peer_p99_us: peerP99,
    peer_mean_us: med(peer, (r) => r.lat.meanUs),
    p50_ratio: peerP50 / oursP50,
    p50_ratio_paired: median(
      runs.map((_, i) => (peer[i]?.lat.p50Us as number) / (ours[i]?.lat.p50Us as number)),
    ),
    p99_ratio: peerP99 / oursP99,
    p50_target_ratio: P50_TARGETS[kind],
    p50_target_met: peerP50 / oursP50 >= P50_TARGETS[kind],
    ours_load_ms: med(ours, (r) => r.raw.sessionMs),
    ours_init_ms: med(ours, (r) => r.raw.importMs),
    ours_first_call_ms: med(ours, (r) => r.raw.firstCallMs),
    peer_load_ms: med(peer, (r) => r.raw.loadMs),
    peer_reload_ms: med(peer, (r) => r.raw.reloadMs),
    peer_init_ms: med(peer, (r) => r.raw.importMs + r.raw.loadMs),
    peer_first_call_ms: med(peer, (r) => r.raw.firstCallMs),
    ours_artifact_bytes: t.onnx_bytes,
    peer_artifact_bytes: t.joblib_bytes,
    ours_max_rss_mb: med(ours, (r) => r.raw.maxRssMb),
    peer_max_rss_mb: med(peer, (r) => r.raw.maxRssMb),
    equivalence: agreement,
    runs: runs.map((r, i) => ({
      repeat: r.repeat,
      order: r.order,
      ours_p50_us: ours[i]?.lat.p50Us as number,
      ours_p99_us: ours[i]?.lat.p99Us as number,
      peer_p50_us: peer[i]?.lat.p50Us as number,
      peer_p99_us: peer[i]?.lat.p99Us as number,
      p50_ratio: (peer[i]?.lat.p50Us as number) / (ours[i]?.lat.p50Us as number),
    })),
  };
}

async function bench(args: Args, work: string) {
  ensurePython(args.install);

  log('bench:peer: bundling functions/recommend/handler.ts …');
  const bundle = await bundleRecommend(join(work, 'bundle'));

  const maxDepth = args.maxDepth === 'none' ? 'none' : String(args.maxDepth);
  log(`bench:peer: training linear, MLP and forest (${args.trees} trees, max_depth ${maxDepth}) …`);
  const models = join(work, 'models');
  mkdirSync(models);
  const trained = parsePythonJson(
    trainSummarySchema,
    await runPython('train.py', [
      join(REPO_ROOT, 'functions/recommend/json_template.json'),
      models,
      String(args.trees),
      maxDepth,
      String(args.checkRows),
      String(args.seed),
    ]),
    'train.py',
  );

  const bucket = await startModelBucket(join(work, 's3'));
  let keys: SigningKeyService | undefined;
  try {
    keys = args.sign ? await startSigningKeyService() : undefined;
    const keyEndpoint = keys?.endpoint;
    const eventFile = join(work, 'event.json');
    writeFileSync(eventFile, JSON.stringify(apiEvent(JSON.stringify(BENCH_BODY))));

    const pinned = new Map<ModelKind, Awaited<ReturnType<typeof bucket.put>>>();
    const agreements = new Map<ModelKind, Agreement>();
    for (const kind of args.models) {
      const onnx = new Uint8Array(readFileSync(trained.models[kind].onnx_path));
      const agreement = await checkEquivalence(kind, models, onnx);
      agreements.set(kind, agreement);
      log(
        `bench:peer: ${kind}: onnxruntime matches scikit-learn on ${agreement.rows} rows ` +
          `(max |Δ| ${agreement.maxAbsErr.toExponential(1)}, max |Δ|/max(1,|y|) ${agreement.maxScaledErr.toExponential(1)})`,
      );
      pinned.set(kind, await bucket.put(`bench-peer/${kind}.onnx`, onnx));
    }

    const loadBefore = loadavg()[0] as number;
    const runs = new Map<ModelKind, Run[]>(args.models.map((k) => [k, []]));
    const profDir = args.cpuProf;
    for (let repeat = 1; repeat <= args.repeats; repeat++) {
      for (const kind of args.models) {
        const runOurs = () =>
          runEnvironment({
            bundle,
            endpoint: bucket.endpoint,
            model: pinned.get(kind) as NonNullable<ReturnType<typeof pinned.get>>,
            eventFile,
            calls: args.calls,
            warmup: args.warmup,
            workDir: work,
            ...(keyEndpoint ? { signingKeyEndpoint: keyEndpoint } : {}),
            ...(profDir ? { cpuProfDir: join(profDir, kind) } : {}),
          });
        const runPeer = async () =>
          parsePythonJson(
            peerRunSchema,
            await runPython(
              'run.py',
              [trained.models[kind].joblib_path, eventFile, String(args.calls), String(args.warmup)],
              // One thread, like our onnxruntime session (SESSION_OPTIONS), and like a 1-vCPU Lambda.
              { OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' },
            ),
            'run.py',
          );
        // Alternate which design goes first, so drift on the machine does not favour one side.
        const oursFirst = repeat % 2 === 1;
        let ours: EnvironmentResult;
        let peer: PeerRun;
        if (oursFirst) {
          ours = await runOurs();
          peer = await runPeer();
        } else {
          peer = await runPeer();
          ours = await runOurs();
        }
        checkAnswers(kind, ours.firstBody.data, peer.firstBody.data);
        runs.get(kind)?.push({ ours, peer, order: oursFirst ? 'ours,peer' : 'peer,ours', repeat });
        const o = summarise(ours.durationsMs, 1000);
        const p = summarise(peer.durationsNs, 1e-3);
        log(
          `bench:peer: repeat ${repeat} ${kind}: p50 ours ${o.p50Us.toFixed(1)} µs, peer ${p.p50Us.toFixed(1)} µs ` +
            `(${(p.p50Us / o.p50Us).toFixed(2)}×); p99 ours ${o.p99Us.toFixed(1)} µs, peer ${p.p99Us.toFixed(1)} µs`,
        );
      }
    }
    const loadAfter = loadavg()[0] as number;

    const reports: Partial<Record<ModelKind, ModelReport>> = {};
    for (const kind of args.models) {
      reports[kind] = modelReport(kind, runs.get(kind) ?? [], trained, agreements.get(kind) as Agreement);
    }
    return {
      benchmark: 'bench:peer',
      generated_at: new Date().toISOString(),
      machine: {
        nproc: availableParallelism(),
        cpu_model: cpus()[0]?.model ?? 'unknown',
        platform: `${process.platform} ${process.arch}`,
        node: process.version,
        onnxruntime_node: onnxruntimeVersion(),
        python: trained.python,
        python_executable: trained.python_executable,
        sklearn: trained.sklearn,
        numpy: trained.numpy,
        joblib: trained.joblib,
        onnx: trained.onnx,
        load_average_1m_before: loadBefore,
        load_average_1m_after: loadAfter,
      },
      method: {
        calls: args.calls,
        warmup: args.warmup,
        repeats: args.repeats,
        order:
          'each repeat runs every model class; within one, ours and peer back to back, first alternating',
        summary:
          'per run: p50/p99 by lower nearest rank of the per-call durations; reported: median over repeats',
        event: 'API Gateway REST proxy event, POST /prod/recommend',
        ours_signed: args.sign,
        ours_handler:
          'the esbuild bundle of functions/recommend/handler.ts as deployed: metrics (EMF) on, logs to /dev/null' +
          (args.sign ? ', answers signed (recommendation_id)' : ', no signing key'),
        peer_handler:
          'scripts/bench/peer/handler.py: same validation ranges, joblib model predict, clamp, JSON; no metrics, logs or signing',
        body: BENCH_BODY,
        training_rows: trained.training_rows,
        training_data_sha256: trained.training_data_sha256,
        equivalence_tolerance: `|onnxruntime - sklearn| <= ${TOLERANCE} * max(1, |sklearn|) on ${args.checkRows} rows`,
        ours_load_ms:
          "loadModel(bytes) in the environment's init ('model loaded' sessionMs): ONNX bounds scan, metadata, InferenceSession.create (runtime already initialised), contract check, 2-row probe; excludes download and sha256",
        ours_init_ms:
          'import of the bundle = the whole init phase: module evaluation, S3 download (loopback), sha256, runtime warm-up, loadModel',
        peer_load_ms:
          'first joblib.load in a fresh interpreter, after numpy/joblib are imported: unpickling incl. importing the sklearn modules the estimator needs',
        peer_reload_ms: 'a second joblib.load in the same process: deserialisation alone',
        peer_init_ms:
          'import of the handler module (json, numpy, joblib) + first joblib.load; interpreter start-up excluded, as Node start-up is for ours',
      },
      models: reports,
    };
  } finally {
    await keys?.close();
    await bucket.close();
  }
}

async function main() {
  const program = new Command('bench:peer')
    .description('our ONNX recommend handler vs the previous Python/scikit-learn/joblib design')
    .option('--calls <n>', 'measured calls per environment', '20000')
    .option('--warmup <n>', 'unmeasured warm calls first', '2000')
    .option('--repeats <n>', 'runs of each design per model class (medians are reported)', '3')
    .option('--models <list>', 'model classes, comma-separated', MODEL_KINDS.join(','))
    .option('--trees <n>', 'random forest n_estimators', '100')
    .option('--max-depth <n|none>', 'random forest max_depth', '8')
    .option('--check-rows <n>', 'rows of the ONNX-vs-scikit-learn check', '300')
    .option('--seed <n>', 'random_state of the models and the check rows', '0')
    .option('--json', 'print one JSON object on stdout (progress stays on stderr)')
    .option('--no-sign', 'run our handler without the signing key (answers without recommendation_id)')
    .option('--no-install', 'fail instead of apt-get installing missing Python packages')
    .option('--cpu-prof <dir>', 'write V8 CPU profiles of our environments into <dir>/<model>')
    .parse();
  const args = argsSchema.parse(program.opts());
  const work = mkdtempSync(join(tmpdir(), 'hypermob-bench-peer-'));
  try {
    const report = await bench(args, work);
    if (args.json) {
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    } else {
      const m = report.machine;
      process.stdout.write(
        [
          `bench:peer — ${report.generated_at}`,
          `machine: ${m.nproc} CPUs, ${m.cpu_model}; Node ${m.node}, onnxruntime-node ${m.onnxruntime_node}; ` +
            `Python ${m.python}, scikit-learn ${m.sklearn}, numpy ${m.numpy}, joblib ${m.joblib}`,
          `load average (1 min) before/after: ${m.load_average_1m_before.toFixed(2)} / ${m.load_average_1m_after.toFixed(2)}`,
          `${args.repeats} repeats × ${args.calls} calls per design and model (after ${args.warmup} warm-up), medians over repeats; ours ${args.sign ? 'signs its answers' : 'unsigned'}, metrics on`,
          '',
          formatTable(report.models),
          '',
        ].join('\n'),
      );
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

try {
  await main();
} catch (err) {
  process.stderr.write(`bench:peer failed: ${(err as Error).message}\n`);
  process.exitCode = 1;
}
