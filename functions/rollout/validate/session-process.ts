import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import type { InferenceSession } from 'onnxruntime-node';
import { boundText } from '../../shared/bounded-text.js';
import { loadError, type ModelSession, type RunOutput, SESSION_OPTIONS } from '../../shared/inference.js';
import { INPUT_WIDTH } from '../../shared/model-signature.js';

/**
 * An onnxruntime session in a child process, so that a model whose graph runs for minutes (a
 * `Loop` with a huge trip count) can be stopped. onnxruntime-node's `session.run` is synchronous
 * native code on the calling thread: no JS timer fires while it runs, `RunOptions.terminate` is read
 * once when a run starts (nothing can set it during the run from the blocked thread), and
 * `Worker.terminate()` only stops JavaScript, so a worker thread would keep computing after it.
 * Killing a process is the one stop that always works (docs/validation.md, "Time limits").
 *
 * The child is plain JavaScript run with `node -e`, so it needs no file of its own in the bundle;
 * it loads onnxruntime-node from the path this module resolves (the bundle's node_modules on Lambda,
 * the repository's in tests). Messages use Node's structured-clone IPC: typed arrays travel as such.
 */

/** The session was stopped (a time limit passed); later calls fail with the same reason. */
export class InferenceStoppedError extends Error {
  override name = 'InferenceStopped';
}

/**
 * The session lives in a worker thread of the child, so the child's main thread stays free while a
 * native run blocks the worker: when the parent goes away (its environment was killed, or a test
 * runner was), the IPC channel disconnects and the main thread kills its own process — a run that
 * never ends cannot outlive its parent and keep a core busy. (SIGKILL, not process.exit(): exit
 * waits for worker threads to stop, and a native run never checks.)
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData);
let session;
parentPort.on('message', async (m) => {
  try {
    if (m.op === 'load') {
      session = await ort.InferenceSession.create(m.bytes, m.options);
      parentPort.postMessage({ id: m.id, inputMetadata: session.inputMetadata, outputMetadata: session.outputMetadata });
    } else {
      const feeds = { [m.input]: new ort.Tensor('float32', m.data, [m.rows, m.width]) };
      const t0 = performance.now();
      const out = (await session.run(feeds, [m.output]))[m.output];
      const runMs = performance.now() - t0;
      parentPort.postMessage({ id: m.id, out: { type: out && out.type, dims: out && out.dims, data: out && out.data, runMs } });
    }
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: String((e && e.message) || e) });
  }
});
`;

const CHILD_SOURCE = `
const { Worker } = require('node:worker_threads');
const worker = new Worker(${JSON.stringify(WORKER_SOURCE)}, { eval: true, workerData: process.argv[1] });
worker.on('message', (r) => process.send(r));
worker.on('error', (e) => { console.error(String((e && e.stack) || e)); process.exit(1); });
process.on('message', (m) => worker.postMessage(m));
process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));
`;

interface Reply {
  id: number;
  error?: string;
  out?: RunOutput;
  inputMetadata?: InferenceSession.ValueMetadata[];
  outputMetadata?: InferenceSession.ValueMetadata[];
}

const ORT_PATH = createRequire(import.meta.url).resolve('onnxruntime-node');

/**
 * Opens a session in a new child process. An abort of `signal` while it loads kills the child and
 * rejects with InferenceStoppedError; so does an abort of a run's own signal.
 */
export async function openInChildProcess(bytes: Uint8Array, signal?: AbortSignal): Promise<ModelSession> {
  const child = spawn(process.execPath, ['-e', CHILD_SOURCE, ORT_PATH], {
    // No loaders or flags of the parent (vitest, tsx): the child only runs the source above.
    env: { ...process.env, NODE_OPTIONS: '' },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    serialization: 'advanced',
  });
  const client = new ChildClient(child);
  try {
    const reply = await client.request({ op: 'load', bytes, options: SESSION_OPTIONS }, signal);
    if (reply.error !== undefined) throw loadError(new Error(reply.error));
    const inputMetadata = reply.inputMetadata ?? [];
    const outputMetadata = reply.outputMetadata ?? [];
    return {
      inputMetadata,
      outputMetadata,
      async run(input, data, rows, output, runSignal) {
        const r = await client.request(
          { op: 'run', input, data, rows, width: INPUT_WIDTH, output },
          runSignal,
        );
        if (r.error !== undefined) throw new Error(boundText(r.error));
        return r.out ?? { runMs: 0 };
      },
      release: async () => client.stop(new InferenceStoppedError('the session was released')),
    };
  } catch (err) {
    client.stop(err instanceof InferenceStoppedError ? err : new InferenceStoppedError('the load failed'));
    throw err;
  }
}

class ChildClient {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  private stopped: Error | undefined;
  private stderr = '';

  constructor(private readonly child: ChildProcess) {
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      // Kept for the error of a child that dies (out of memory, a native crash), bounded.
      this.stderr = (this.stderr + chunk).slice(-2000);
    });
    child.on('message', (reply: Reply) => {
      const waiter = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      waiter?.resolve(reply);
    });
    child.on('exit', (code, sig) => {
      const why = `the inference process exited (${sig ?? `code ${code}`})${
        this.stderr ? `: ${boundText(this.stderr.trim())}` : ''
      }`;
      this.stopped ??= new InferenceStoppedError(why);
      this.fail(this.stopped);
    });
    child.on('error', (err) => this.fail(this.stopped ?? err));
  }

  request(message: Record<string, unknown>, signal?: AbortSignal): Promise<Reply> {
    if (this.stopped) return Promise.reject(this.stopped);
    if (signal?.aborted) {
      this.stop(stoppedBy(signal));
      return Promise.reject(this.stopped);
    }
    const id = this.nextId++;
    return new Promise<Reply>((resolve, reject) => {
      const onAbort = () => this.stop(stoppedBy(signal as AbortSignal));
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => signal?.removeEventListener('abort', onAbort);
      this.pending.set(id, {
        resolve: (r) => {
          done();
          resolve(r);
        },
        reject: (e) => {
          done();
          reject(e);
        },
      });
      this.child.send({ ...message, id });
    });
  }

  /** Kills the child (a stuck native run cannot be stopped any other way); idempotent. */
  stop(reason: Error): void {
    this.stopped ??= reason;
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    this.fail(this.stopped);
  }

  private fail(err: Error): void {
    for (const waiter of this.pending.values()) waiter.reject(err);
    this.pending.clear();
  }
}

function stoppedBy(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new InferenceStoppedError(String(reason ?? 'stopped'));
}
