import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { handleSfnOperation, SfnApiError } from './api.js';
import { ExecutionEngine } from './engine.js';
import { SfnStore } from './store.js';
import type { Invoke } from './task-handlers.js';

/** Step Functions on the shared endpoint: requests whose X-Amz-Target starts with AWSStepFunctions. */
export interface SfnServiceOptions {
  dataDir: string;
  region: string;
  accountId: string;
  invoke: Invoke;
  timeScale: number;
  log?: (line: string) => void;
}

export interface SfnService {
  handle(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void>;
  /** In-process calls (the event bus target, bootstrap) go through the same code as the wire API. */
  call(operation: string, input: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Waits for running executions to finish (tests). */
  drain(): Promise<void>;
  close(): Promise<void>;
}

export const SFN_TARGET_PREFIX = 'AWSStepFunctions.';

export async function startSfnService(opts: SfnServiceOptions): Promise<SfnService> {
  const store = new SfnStore(path.join(opts.dataDir, 'sfn'));
  await store.load();
  const engine = new ExecutionEngine(store, opts);
  const ctx = { region: opts.region, accountId: opts.accountId, store, engine };

  return {
    async handle(req, res, body) {
      const target = String(req.headers['x-amz-target'] ?? '');
      const operation = target.slice(SFN_TARGET_PREFIX.length);
      const send = (status: number, payload: unknown) => {
        const text = JSON.stringify(payload);
        res.writeHead(status, {
          'content-type': 'application/x-amz-json-1.0',
          'content-length': Buffer.byteLength(text),
        });
        res.end(text);
      };
      let input: unknown;
      try {
        input = body.length > 0 ? JSON.parse(body.toString('utf8')) : {};
      } catch {
        send(400, { __type: 'SerializationException', message: 'request body is not JSON' });
        return;
      }
      try {
        send(200, await handleSfnOperation(ctx, operation, input));
      } catch (err) {
        if (err instanceof SfnApiError) send(err.status, { __type: err.type, message: err.message });
        else {
          opts.log?.(`sfn: ${operation} failed: ${String(err)}`);
          send(500, { __type: 'InternalFailure', message: String(err) });
        }
      }
    },
    async call(operation, input) {
      return (await handleSfnOperation(ctx, operation, input)) as Record<string, unknown>;
    },
    drain: () => engine.drain(),
    async close() {
      await engine.abortAll();
      await store.flush();
    },
  };
}
