import path from 'node:path';
import type { AwsService } from '../aws-endpoint.js';
import { sendAwsError } from '../protocols.js';
import { handleSfnOperation, SfnApiError } from './api.js';
import { type EngineOptions, ExecutionEngine } from './engine.js';
import { type StatusChangeEvent, StatusEventOutbox, statusChangeEvent } from './status-events.js';
import { type ExecutionRecord, SfnStore } from './store.js';

/** Step Functions: `serve` answers the JSON 1.0 operations the routing table (routes.ts) sends here. */
export interface SfnServiceOptions extends EngineOptions {
  dataDir: string;
}

export interface SfnService extends AwsService {
  /** In-process calls (the event bus target, bootstrap) go through the same code as the wire API. */
  call(operation: string, input: Record<string, unknown>): Promise<Record<string, unknown>>;
  /**
   * Publishes every execution's "Execution Status Change" event through `publish` (the event bus,
   * once its rules exist): the pending ones at once — among them executions failed by the restart
   * or the last shutdown — and each later one when its execution ends (status-events.ts).
   */
  publishStatusEvents(publish: (event: StatusChangeEvent) => Promise<void>): void;
  /** Waits for running executions to finish (tests). */
  drain(): Promise<void>;
  close(): Promise<void>;
}

export async function startSfnService(opts: SfnServiceOptions): Promise<SfnService> {
  const outbox = new StatusEventOutbox(path.join(opts.dataDir, 'sfn', 'status-events'), opts.log);
  await outbox.load();
  const toEvent = (exec: ExecutionRecord) => statusChangeEvent(exec, opts.region, opts.accountId);
  const store = new SfnStore(path.join(opts.dataDir, 'sfn'));
  // An execution the last process left RUNNING ends FAILED now, and AWS would have said so.
  await store.load((exec) => outbox.add(toEvent(exec)));
  const engine = new ExecutionEngine(store, {
    ...opts,
    onExecutionEnd: (exec) => {
      opts.onExecutionEnd?.(exec);
      outbox.add(toEvent(exec)).catch((err: unknown) => {
        opts.log?.(`sfn: status event of ${exec.name} not recorded: ${String(err)}`, 'error');
      });
    },
  });
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
    publishStatusEvents: (publish) => outbox.attach(publish),
    async drain() {
      await engine.drain();
      await outbox.drain();
    },
    async close() {
      // Executions ended by the shutdown keep their events on disk for the next start.
      await outbox.pause();
      await engine.abortAll();
      await outbox.drain();
      await store.flush();
    },
  };
}
