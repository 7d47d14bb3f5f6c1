import path from 'node:path';
import type { AwsService } from '../aws-endpoint.js';
import { sendAwsError } from '../protocols.js';
import { handleSfnOperation, SfnApiError } from './api.js';
import { type EngineOptions, ExecutionEngine } from './engine.js';
import { SfnStore } from './store.js';

/** Step Functions: `serve` answers the JSON 1.0 operations the routing table (routes.ts) sends here. */
export interface SfnServiceOptions extends EngineOptions {
  dataDir: string;
}

export interface SfnService extends AwsService {
  /** In-process calls (the event bus target, bootstrap) go through the same code as the wire API. */
  call(operation: string, input: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Waits for running executions to finish (tests). */
  drain(): Promise<void>;
  close(): Promise<void>;
}

export async function startSfnService(opts: SfnServiceOptions): Promise<SfnService> {
  const store = new SfnStore(path.join(opts.dataDir, 'sfn'));
  await store.load();
  const engine = new ExecutionEngine(store, opts);
  const ctx = { region: opts.region, accountId: opts.accountId, store, engine };

  return {
    async serve({ route, body }, res) {
      const { operation } = route;
      let input: unknown;
      try {
        input = body.length > 0 ? JSON.parse(body.toString('utf8')) : {};
      } catch {
        return sendAwsError(res, 'json', {
          status: 400,
          type: 'SerializationException',
          message: 'request body is not JSON',
        });
      }
      try {
        const text = JSON.stringify(await handleSfnOperation(ctx, operation, input));
        res.writeHead(200, {
          'content-type': 'application/x-amz-json-1.0',
          'content-length': Buffer.byteLength(text),
        });
        res.end(text);
      } catch (err) {
        if (err instanceof SfnApiError) {
          sendAwsError(res, 'json', { status: err.status, type: err.type, message: err.message });
        } else {
          opts.log?.(`sfn: ${operation} failed: ${String(err)}`, 'error');
          sendAwsError(res, 'json', { status: 500, type: 'InternalFailure', message: String(err) });
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
