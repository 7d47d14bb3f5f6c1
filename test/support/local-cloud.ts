import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type LocalClients, localClients } from '../../local-cloud/clients.js';
import { type LocalCloud, type LocalCloudOptions, startLocalCloud } from '../../local-cloud/cloud.js';
import { bundleFunctions, hostArch } from '../../scripts/bundle.js';
import { FUNCTIONS, type FunctionKey } from '../../system/manifest.js';
import { awsEnv } from './aws-cli.js';

/**
 * The local cloud for integration tests: free ports, a temporary data directory, Wait states
 * 100× faster, SDK clients with default settings aimed at it, and the environment for the AWS CLI
 * (./aws-cli.ts runs the CLI itself).
 */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface LocalCloudFixtureOptions extends Partial<Omit<LocalCloudOptions, 'log'>> {
  /** Print the cloud's log lines (default: only when HYPERMOB_TEST_LOG is set). */
  verbose?: boolean;
}

export interface LocalCloudFixture {
  cloud: LocalCloud;
  awsEndpoint: string;
  apiEndpoint: string;
  region: string;
  accountId: string;
  dataDir: string;
  /** AWS SDK v3 clients (s3, lambda, sfn) with default settings, aimed at awsEndpoint. */
  clients: LocalClients;
  /** Log lines so far (assert on START/REPORT lines, warnings…). */
  logs: string[];
  /** Environment for child processes (AWS CLI, scripts) that should use this cloud. */
  env: NodeJS.ProcessEnv;
  /** Stops the cloud (and, unless keepData or the caller chose dataDir, removes the data directory). */
  stop(o?: { keepData?: boolean }): Promise<void>;
  /** Stops and starts again on the same data directory (new ports). */
  restart(): Promise<LocalCloudFixture>;
}

export async function startLocalCloudFixture(o: LocalCloudFixtureOptions = {}): Promise<LocalCloudFixture> {
  const ownDir = o.dataDir === undefined;
  const dataDir = o.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'hypermob-local-')));
  const logs: string[] = [];
  const verbose = o.verbose ?? Boolean(process.env.HYPERMOB_TEST_LOG);
  const { verbose: _v, ...cloudOpts } = o;
  await prebundle(o.functions ?? 'all', o.bundleOutDir);
  const cloud = await startLocalCloud({
    awsPort: 0,
    apiPort: 0,
    timeScale: 0.01,
    ...cloudOpts,
    dataDir,
    log: (line) => {
      logs.push(line);
      if (verbose) console.log(line);
    },
  });
  try {
    await cloud.ready;
  } catch (err) {
    await cloud.stop();
    if (ownDir) await rm(dataDir, { recursive: true, force: true });
    throw new Error(`local cloud did not start: ${(err as Error).message}\n${logs.slice(-20).join('\n')}`);
  }
  const clients = localClients(cloud.awsEndpoint, cloud.region);
  const fixture: LocalCloudFixture = {
    cloud,
    awsEndpoint: cloud.awsEndpoint,
    apiEndpoint: cloud.apiEndpoint,
    region: cloud.region,
    accountId: cloud.accountId,
    dataDir,
    clients,
    logs,
    env: awsEnv(cloud.awsEndpoint, cloud.region),
    async stop(s = {}) {
      for (const c of Object.values(clients)) c.destroy();
      await cloud.stop();
      if (ownDir && !s.keepData) await rm(dataDir, { recursive: true, force: true });
    },
    async restart() {
      await fixture.stop({ keepData: true });
      const next = await startLocalCloudFixture({ ...o, dataDir });
      // The restarted fixture owns the directory only if the first one did.
      const stopNext = next.stop;
      next.stop = async (s = {}) => {
        await stopNext({ keepData: true });
        if (ownDir && !s.keepData) await rm(dataDir, { recursive: true, force: true });
      };
      return next;
    },
  };
  return fixture;
}

/**
 * Test files run in parallel processes and the bundler replaces its output directory with rm +
 * rename: two first-time builds of the same function would trip over each other. Build once under
 * a cross-process lock (mkdir is atomic); the cloud's own bundle step then finds them unchanged.
 */
export async function prebundle(
  functions: 'all' | 'none' | FunctionKey[],
  outDir: string | undefined,
): Promise<void> {
  if (functions === 'none') return;
  const lock = path.join(outDir ?? path.join(REPO_ROOT, 'dist'), '.bundle.lock');
  await mkdir(path.dirname(lock), { recursive: true });
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch {
      const age =
        Date.now() -
        (await stat(lock)
          .then((s) => s.mtimeMs)
          .catch(() => Date.now()));
      if (age > 180_000) await rm(lock, { recursive: true, force: true }); // left by a killed run
      if (Date.now() > deadline) throw new Error(`bundle lock ${lock} held too long`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    await bundleFunctions({
      arch: hostArch(),
      only: functions === 'all' ? (Object.keys(FUNCTIONS) as FunctionKey[]) : functions,
      ...(outDir ? { outDir } : {}),
    });
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

export interface ChildCloud {
  awsEndpoint: string;
  apiEndpoint: string;
  child: ChildProcess;
  stderr: string[];
  /** SIGKILL: no cleanup at all, as in a crash. */
  kill(): Promise<void>;
}

/** The local cloud in a child process (local-cloud/child.ts), for crash tests. */
export async function spawnLocalCloud(
  opts: Partial<LocalCloudOptions> & { dataDir: string },
): Promise<ChildCloud> {
  // Node itself with tsx as a loader (not the tsx CLI, which would sit between SIGKILL and the server).
  const script = path.join(REPO_ROOT, 'local-cloud/child.ts');
  const args = ['--import', 'tsx', script, JSON.stringify({ awsPort: 0, apiPort: 0, ...opts })];
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (l) => stderr.push(l));
  const first = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    rl.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`child exited ${code}: ${stderr.slice(-10).join('\n')}`)));
  });
  const { awsEndpoint, apiEndpoint } = JSON.parse(first) as { awsEndpoint: string; apiEndpoint: string };
  return {
    awsEndpoint,
    apiEndpoint,
    child,
    stderr,
    kill: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}
