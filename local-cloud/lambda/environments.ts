import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { functionCredentials } from '../iam/credentials.js';

/**
 * Execution environments like Lambda's: each is a Node 22 child process bound to one function
 * version (its code, environment variables and TMPDIR), handling one invocation at a time, reused
 * while warm, stopped after `idleMs` without work. Overlapping calls get more environments, up to
 * `maxPerVersion`; beyond that they queue. A timeout or crash discards the environment.
 *
 * Pipelining: once a version has all the environments it may have and all are warm, queued calls
 * are sent ahead to the least busy environment, up to `PIPELINE_DEPTH` each. The environment still
 * runs them one at a time (runtime/worker.mjs), but the next starts without a round trip through
 * this process, and several calls and results share one pipe read or write. Under load that round
 * trip, not the handler, bounded throughput (docs/benchmarks.md). A call waiting in an environment
 * that is discarded (timeout, crash) has not started and goes back to the queue.
 */
export interface EnvironmentSpec {
  functionName: string;
  version: string;
  /** Changes whenever the configuration changes; $LATEST environments of an older revision retire. */
  revision: string;
  codeDir: string;
  handler: string;
  memoryMb: number;
  timeoutSeconds: number;
  /** Complete environment of the process, except TMPDIR and the role's credentials, per environment. */
  env: Record<string, string>;
}

export interface InvokeOutcome {
  /** Set for function errors ("Unhandled"); the payload then is `{ errorType, errorMessage, trace }`. */
  functionError?: string;
  payload: string;
  durationMs: number;
}

export interface EnvironmentManagerOptions {
  tmpRoot: string;
  idleMs: number;
  maxPerVersion: number;
  log?: (line: string) => void;
  /** Every line a function prints (stdout and stderr), as CloudWatch Logs receives it. */
  onOutputLine?: (line: string) => void;
  /** Every line of an environment's log stream (function output, START/END/REPORT…), as Lambda sends them to CloudWatch Logs. */
  onLogEvent?: (e: { functionName: string; stream: string; message: string }) => void;
}

const WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'runtime', 'worker.mjs');

interface Job {
  /** The event: JSON text, or an object built in this process (serialised once, by the IPC channel). */
  payload: string | object;
  requestId: string;
  invokedArn: string;
  resolve: (o: InvokeOutcome) => void;
}

/** What runtime/worker.mjs sends: ready, initError, a result (r) or error (e), or several (d). */
interface WorkerMessage {
  t: string;
  i?: number;
  p?: string;
  u?: number;
  c?: WorkerMessage[];
}

/** A job sent to an environment; `seq` matches its result message. */
interface SentJob extends Job {
  seq: number;
}

/**
 * Calls one environment holds at most: the running one and those sent after it. Deeper means
 * larger batches per pipe write (measured at 32 connections on 2 cores: depth 1 → 3,300 req/s,
 * 4 → 4,700, 16 → 6,400) but a longer wait behind a slow call; a call behind one that times out
 * waits for the timeout, then goes to another environment.
 */
const PIPELINE_DEPTH = 16;

let envCounter = 0;
const MEMORY_CHECK_MS = 200;

/** A process's resident memory from /proc (Linux); undefined elsewhere, where the heap limit alone applies. */
async function residentBytes(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined || process.platform !== 'linux') return undefined;
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined);
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(status ?? '')?.[1];
  return kb === undefined ? undefined : Number(kb) * 1024;
}
/** Lambda's limit for the init phase (module import) of an on-demand environment. */
const INIT_TIMEOUT_MS = 10_000;

/** Lambda's log stream name for a new environment: `YYYY/MM/DD/[version]<32 hex>`. */
export function logStreamName(version: string, at = new Date()): string {
  const day = at.toISOString().slice(0, 10).replace(/-/g, '/');
  return `${day}/[${version}]${randomBytes(16).toString('hex')}`;
}

class Environment {
  readonly id = `${process.pid}-${++envCounter}`;
  readonly logStream: string;
  readonly tmpDir: string;
  readonly child: ChildProcess;
  ready = false;
  /** No longer takes work (killed or exited). */
  dead = false;
  exited = false;
  /** The call the environment is running (the oldest sent), and those sent after it, in order. */
  job: (SentJob & { started: number; timer: NodeJS.Timeout }) | undefined;
  readonly waiting: SentJob[] = [];
  lastUsed = Date.now();
  private seq = 0;
  private readonly spawnedAt = performance.now();
  initDurationMs: number | undefined;

  constructor(
    readonly pool: VersionPool,
    tmpRoot: string,
  ) {
    const { spec } = pool;
    this.logStream = logStreamName(spec.version);
    this.tmpDir = path.join(tmpRoot, spec.functionName, spec.version, this.id);
    mkdirSync(this.tmpDir, { recursive: true });
    this.child = fork(WORKER, [spec.codeDir, spec.handler], {
      execPath: process.execPath,
      // Never inherit the parent's loaders (tsx, vitest): the bundle runs on plain Node as on Lambda.
      // The heap gets the function's memory at most, as a first ceiling; the watchdog below is the
      // second, for memory outside the heap (Buffers, native code).
      execArgv: [`--max-old-space-size=${spec.memoryMb}`],
      cwd: spec.codeDir,
      // Like Lambda, each environment gets its role's credentials; locally the access key id is the
      // function's name, which the AWS endpoint evaluates as that function's role (iam/).
      env: {
        ...spec.env,
        ...functionCredentials(spec.functionName),
        AWS_LAMBDA_LOG_STREAM_NAME: this.logStream,
        TMPDIR: this.tmpDir,
      },
      // Measured: Node's JSON channel beats 'advanced' (V8 serializer) for these small string messages.
      serialization: 'json',
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const onOutputLine = pool.onOutputLine;
    for (const stream of [this.child.stdout, this.child.stderr]) {
      // Lambda sends stdout and stderr to the same log stream, where CloudWatch Logs reads them.
      let buffered = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        buffered += chunk;
        let nl = buffered.indexOf('\n');
        while (nl >= 0) {
          const line = buffered.slice(0, nl);
          if (line.includes('JavaScript heap out of memory')) this.outOfMemory = true;
          onOutputLine?.(line);
          pool.emit(this, line);
          buffered = buffered.slice(nl + 1);
          nl = buffered.indexOf('\n');
        }
      });
    }
    this.child.on('message', (msg: WorkerMessage) => this.onMessage(msg));
    this.child.on('exit', (code, signal) => this.onExit(code, signal));
    this.memoryWatch = setInterval(() => void this.checkMemory(spec.memoryMb), MEMORY_CHECK_MS);
    this.memoryWatch.unref();
    this.child.on('error', () => {});
    this.initTimer = setTimeout(() => {
      this.initFailed(
        JSON.stringify({
          errorType: 'Sandbox.Timedout',
          errorMessage: `INIT phase timed out after ${INIT_TIMEOUT_MS / 1000} seconds`,
        }),
      );
    }, INIT_TIMEOUT_MS);
  }

  private readonly initTimer: NodeJS.Timeout;
  private initSettled = false;
  private readonly memoryWatch: NodeJS.Timeout;
  /** Ended for exceeding its memory: its call fails with Runtime.OutOfMemory. */
  private outOfMemory = false;

  /** Like Lambda's memory setting, a ceiling on the whole process: killed beyond `memoryMb`. */
  private async checkMemory(memoryMb: number): Promise<void> {
    const rss = await residentBytes(this.child.pid);
    if (rss === undefined || rss <= memoryMb * 1024 * 1024 || this.exited) return;
    this.outOfMemory = true;
    this.kill();
  }

  /** The init phase failed (error, timeout, exit): the call waiting for it gets the error. */
  private initFailed(payload: string): void {
    if (this.initSettled) return;
    this.initSettled = true;
    clearTimeout(this.initTimer);
    this.pool.onInitError(this, payload);
  }

  /** Calls sent to this environment and not finished. */
  get load(): number {
    return (this.job ? 1 : 0) + this.waiting.length;
  }

  private onMessage(msg: WorkerMessage): void {
    if (msg.t === 'ready') {
      this.initSettled = true;
      clearTimeout(this.initTimer);
      this.ready = true;
      this.initDurationMs = performance.now() - this.spawnedAt;
      this.pool.onIdle(this);
      return;
    }
    if (msg.t === 'initError') {
      this.initFailed(msg.p ?? '{}');
      return;
    }
    if (msg.t === 'd') {
      for (const r of msg.c ?? []) this.onMessage(r);
      return;
    }
    const job = this.job;
    if (!job || msg.i !== job.seq) return;
    this.finish(
      { functionError: msg.t === 'e' ? 'Unhandled' : undefined, payload: msg.p ?? 'null' },
      false,
      msg.u,
    );
  }

  /** Sends a call; it starts now if the environment is free, else after the calls sent before it. */
  run(job: Job): void {
    const sent = { ...job, seq: ++this.seq };
    // The deadline the handler sees counts from the send: a call sent ahead may start a little
    // later, so its remaining time is conservative, never generous.
    const deadline = Date.now() + this.pool.spec.timeoutSeconds * 1000;
    this.outbox.push({ i: sent.seq, e: job.payload, r: job.requestId, d: deadline, a: job.invokedArn });
    if (this.outbox.length === 1) setImmediate(this.sendOutbox);
    if (this.job) this.waiting.push(sent);
    else this.begin(sent);
  }

  /**
   * Calls sent in one turn of the event loop (all the requests one socket read brought) share one
   * message, so one pipe write and one read in the environment instead of one per call.
   */
  private outbox: { i: number; e: string | object; r: string; d: number; a: string }[] = [];
  private readonly sendOutbox = (): void => {
    const calls = this.outbox;
    this.outbox = [];
    if (!this.exited && this.child.connected) this.child.send({ t: 'i', c: calls });
  };

  /** The environment starts `job` (its result for the previous call has just arrived). */
  private begin(job: SentJob): void {
    this.pool.emit(this, `START RequestId: ${job.requestId} Version: ${this.pool.spec.version}`);
    const timer = setTimeout(() => this.timeout(), this.pool.spec.timeoutSeconds * 1000);
    this.job = { ...job, started: performance.now(), timer };
  }

  /**
   * Ends the running call. `handlerMs` is the handler's own time as the environment measured it
   * (Lambda's Duration); without it (timeout, crash) the time since the call started here.
   */
  private finish(
    result: { functionError: string | undefined; payload: string },
    discard = false,
    handlerMs?: number,
  ): void {
    const job = this.job;
    if (!job) return;
    clearTimeout(job.timer);
    this.job = undefined;
    this.lastUsed = Date.now();
    const durationMs = handlerMs ?? performance.now() - job.started;
    this.pool.report(this, job.requestId, durationMs);
    job.resolve({ ...result, durationMs });
    if (discard) {
      // Calls sent after it never started: they go back to the queue for another environment.
      this.pool.requeue(this.waiting.splice(0));
      this.kill();
      return;
    }
    const next = this.waiting.shift();
    if (next) this.begin(next);
    this.pool.onIdle(this);
  }

  private timeout(): void {
    const job = this.job;
    if (!job) return;
    const seconds = this.pool.spec.timeoutSeconds.toFixed(2);
    this.pool.emit(
      this,
      `${new Date().toISOString()} ${job.requestId} Task timed out after ${seconds} seconds`,
    );
    this.finish(
      {
        functionError: 'Unhandled',
        payload: JSON.stringify({
          errorType: 'Sandbox.Timedout',
          errorMessage: `RequestId: ${job.requestId} Error: Task timed out after ${seconds} seconds`,
        }),
      },
      true,
    );
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.dead = true;
    this.exited = true;
    clearInterval(this.memoryWatch);
    if (!this.ready) {
      const status = signal ? `signal ${signal}` : `exit status ${code}`;
      this.initFailed(
        JSON.stringify({
          errorType: 'Runtime.ExitError',
          errorMessage: `Runtime exited during init: ${status}`,
        }),
      );
    }
    this.pool.requeue(this.waiting.splice(0));
    if (this.job) {
      // Lambda's Node.js runtime reports an out-of-memory end as `signal: killed`.
      const status = this.outOfMemory
        ? 'signal: killed'
        : signal
          ? `signal ${signal}`
          : `exit status ${code}`;
      this.finish(
        {
          functionError: 'Unhandled',
          payload: JSON.stringify({
            errorType: this.outOfMemory ? 'Runtime.OutOfMemory' : 'Runtime.ExitError',
            errorMessage: `RequestId: ${this.job.requestId} Error: Runtime exited with error: ${status}`,
          }),
        },
        true,
      );
    }
    this.pool.onExit(this);
    void rm(this.tmpDir, { recursive: true, force: true });
  }

  kill(): void {
    this.dead = true;
    if (!this.exited) this.child.kill('SIGKILL');
  }

  /**
   * Shutdown of an idle environment: closing the channel lets the runtime exit on its own (exit
   * hooks, --cpu-prof in NODE_OPTIONS), with SIGKILL if it has not within a second.
   */
  stop(): void {
    if (this.dead) return;
    this.dead = true;
    if (this.exited || !this.child.connected) {
      this.kill();
      return;
    }
    this.child.disconnect();
    setTimeout(() => this.kill(), 1000).unref();
  }
}

class VersionPool {
  readonly envs: Environment[] = [];
  private readonly queue: Job[] = [];
  retired = false;

  constructor(
    readonly spec: EnvironmentSpec,
    private readonly opts: EnvironmentManagerOptions,
    readonly log: ((line: string) => void) | undefined,
  ) {}

  get onOutputLine(): ((line: string) => void) | undefined {
    return this.opts.onOutputLine;
  }

  /** One line of `env`'s log stream: to the local cloud's log (prefixed) and to CloudWatch Logs. */
  emit(env: Environment, line: string): void {
    this.log?.(`[${this.spec.functionName}:${this.spec.version}] ${line}`);
    this.opts.onLogEvent?.({ functionName: this.spec.functionName, stream: env.logStream, message: line });
  }

  invoke(job: Job): void {
    for (const env of this.envs) {
      if (env.ready && !env.job && !env.dead) {
        env.run(job);
        return;
      }
    }
    this.queue.push(job);
    const starting = this.envs.filter((e) => !e.ready && !e.dead).length;
    if (starting < this.queue.length && this.envs.length < this.opts.maxPerVersion) {
      this.envs.push(new Environment(this, this.opts.tmpRoot));
    }
    this.sendAhead();
  }

  /**
   * Pipelining (see the top of this file): only once no environment may still be added or is
   * starting, so a call never waits behind another while an environment could take it.
   */
  private sendAhead(): void {
    if (this.queue.length === 0 || this.retired || this.envs.length < this.opts.maxPerVersion) return;
    if (this.envs.some((e) => !e.ready && !e.dead)) return;
    while (this.queue.length > 0) {
      let target: Environment | undefined;
      for (const env of this.envs) {
        if (env.dead || env.load >= PIPELINE_DEPTH) continue;
        if (!target || env.load < target.load) target = env;
      }
      if (!target) return;
      target.run(this.queue.shift() as Job);
    }
  }

  /** Calls sent to a discarded environment that it never started: first in line again. */
  requeue(jobs: Job[]): void {
    if (jobs.length > 0) this.queue.unshift(...jobs);
  }

  report(env: Environment, requestId: string, durationMs: number): void {
    const init =
      env.initDurationMs !== undefined ? `\tInit Duration: ${env.initDurationMs.toFixed(2)} ms` : '';
    env.initDurationMs = undefined; // reported once, on the cold invocation
    this.emit(env, `END RequestId: ${requestId}`);
    this.emit(
      env,
      `REPORT RequestId: ${requestId}\tDuration: ${durationMs.toFixed(2)} ms\tBilled Duration: ${Math.ceil(durationMs)} ms\tMemory Size: ${this.spec.memoryMb} MB${init}`,
    );
  }

  /** `env` finished a call (or became ready): it takes the next queued call if it has none. */
  onIdle(env: Environment): void {
    if (env.job) {
      this.sendAhead();
      return;
    }
    if (this.retired) {
      env.stop();
      return;
    }
    const job = this.queue.shift();
    if (job) env.run(job);
    this.sendAhead();
  }

  onInitError(env: Environment, payload: string): void {
    this.emit(env, `INIT_REPORT Status: error ${payload}`);
    // Like Lambda, the invocation that caused the cold start receives the init error.
    const job = this.queue.shift();
    if (job) {
      this.emit(env, `START RequestId: ${job.requestId} Version: ${this.spec.version}`);
      job.resolve({ functionError: 'Unhandled', payload, durationMs: 0 });
    }
    env.kill();
  }

  onExit(env: Environment): void {
    const i = this.envs.indexOf(env);
    if (i >= 0) this.envs.splice(i, 1);
    // Replace an environment lost while calls wait (crash, init error, timeout).
    if (this.queue.length > 0 && !this.retired) {
      const starting = this.envs.filter((e) => !e.ready && !e.dead).length;
      const idle = this.envs.find((e) => e.ready && !e.job && !e.dead);
      if (idle) this.onIdle(idle);
      else if (starting < this.queue.length && this.envs.length < this.opts.maxPerVersion) {
        this.envs.push(new Environment(this, this.opts.tmpRoot));
      }
    }
  }

  /** Stop taking work; idle environments stop now, busy ones after their call. Returns queued calls. */
  retire(): Job[] {
    this.retired = true;
    for (const env of [...this.envs]) if (!env.job) env.stop();
    return this.queue.splice(0);
  }

  expireIdle(now: number, idleMs: number): void {
    for (const env of [...this.envs]) {
      if (env.ready && !env.job && !env.dead && now - env.lastUsed >= idleMs) env.stop();
    }
  }
}

export class EnvironmentManager {
  private readonly pools = new Map<string, VersionPool>();
  private readonly retired = new Set<VersionPool>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly opts: EnvironmentManagerOptions) {
    this.sweeper = setInterval(() => this.sweep(), Math.max(50, Math.min(1000, opts.idleMs / 4)));
    this.sweeper.unref();
  }

  invoke(
    spec: EnvironmentSpec,
    payload: string | object,
    requestId: string,
    invokedArn: string,
  ): Promise<InvokeOutcome> {
    const key = `${spec.functionName}\0${spec.version}`;
    let pool = this.pools.get(key);
    let carried: Job[] = [];
    if (pool && pool.spec.revision !== spec.revision) {
      // $LATEST changed: its old environments must not serve the new configuration.
      carried = pool.retire();
      this.retired.add(pool);
      pool = undefined;
    }
    if (!pool) {
      pool = new VersionPool(spec, this.opts, this.opts.log);
      this.pools.set(key, pool);
    }
    const target = pool;
    for (const job of carried) target.invoke(job);
    return new Promise((resolve) => target.invoke({ payload, requestId, invokedArn, resolve }));
  }

  /** Live environments per `function:version`, for tests and the health page. */
  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const pool of this.pools.values()) {
      const n = pool.envs.filter((e) => !e.dead).length;
      if (n > 0) out[`${pool.spec.functionName}:${pool.spec.version}`] = n;
    }
    return out;
  }

  private sweep(): void {
    const now = Date.now();
    for (const pool of this.pools.values()) pool.expireIdle(now, this.opts.idleMs);
    for (const pool of this.retired) if (pool.envs.length === 0) this.retired.delete(pool);
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    const exits: Promise<unknown>[] = [];
    for (const pool of [...this.pools.values(), ...this.retired]) {
      pool.retired = true;
      for (const env of pool.envs) {
        if (env.exited) continue;
        exits.push(new Promise((r) => env.child.once('exit', r)));
        if (env.job || !env.ready) env.kill();
        else env.stop();
      }
    }
    await Promise.all(exits);
    this.pools.clear();
  }
}
