import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { EXECUTION_STATUS_CHANGE, STATES_EVENT_SOURCE } from '../../statemachines/rollout-reconcile.js';
import { readJson, writeJsonAtomic } from '../json-file.js';
import type { Log } from '../log.js';
import type { ExecutionRecord } from './store.js';

/**
 * Step Functions' "Execution Status Change" events, as AWS sends them to the default EventBridge
 * bus when an execution ends (AWS delivers them best effort; here at least once): one per execution
 * that ends — including those the local cloud fails itself, on restart (store.ts) or on shutdown
 * (engine.ts). Each event is written to <dataDir>/sfn/status-events/ before it is published and
 * removed once the bus has delivered it to every matching rule's target, so a crash or a stop
 * between the end and the delivery publishes it at the next start instead of losing it.
 */
export function statusChangeEvent(exec: ExecutionRecord, region: string, accountId: string) {
  const stopMs = Math.round((exec.stopDate ?? Date.now() / 1000) * 1000);
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': EXECUTION_STATUS_CHANGE,
    source: STATES_EVENT_SOURCE,
    account: accountId,
    time: new Date(stopMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [exec.executionArn],
    detail: {
      executionArn: exec.executionArn,
      stateMachineArn: exec.stateMachineArn,
      name: exec.name,
      status: exec.status,
      startDate: Math.round(exec.startDate * 1000),
      stopDate: stopMs,
      input: exec.input,
      output: exec.output ?? null,
      error: exec.error ?? null,
      cause: exec.cause ?? null,
    },
  };
}
export type StatusChangeEvent = ReturnType<typeof statusChangeEvent>;

/** Pending events kept when nothing publishes them (a local cloud without the rollout wiring). */
const MAX_PENDING = 1000;
/** Delivery attempts within one run; the rest wait for the next start. */
const ATTEMPTS = 3;

export class StatusEventOutbox {
  private readonly pending = new Map<string, StatusChangeEvent>();
  private publish: ((event: StatusChangeEvent) => Promise<void>) | undefined;
  private paused = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly dir: string,
    private readonly log: Log = () => {},
  ) {}

  async load(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const files = (await readdir(this.dir)).filter((n) => n.endsWith('.json') && !n.startsWith('.'));
    for (const file of files) {
      const event = (await readJson(path.join(this.dir, file))) as StatusChangeEvent | undefined;
      if (event?.id) this.pending.set(event.id, event);
    }
  }

  /** Persists the event, then publishes it if a publisher is attached. */
  add(event: StatusChangeEvent): Promise<void> {
    return this.track(
      (async () => {
        await writeJsonAtomic(this.file(event.id), event);
        this.pending.set(event.id, event);
        while (this.pending.size > MAX_PENDING) {
          const [oldest] = this.pending.keys();
          if (oldest === undefined) break;
          await this.forget(oldest);
        }
        this.deliver(event);
      })(),
    );
  }

  /** Attaches the bus (once its rules exist) and publishes every event still pending. */
  attach(publish: (event: StatusChangeEvent) => Promise<void>): void {
    this.publish = publish;
    for (const event of this.pending.values()) this.deliver(event);
  }

  /** Shutdown: events from here on stay on disk for the next start (the services are closing). */
  async pause(): Promise<void> {
    this.paused = true;
    await this.drain();
  }

  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private track(run: Promise<void>): Promise<void> {
    const tracked = run.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
    return tracked;
  }

  private deliver(event: StatusChangeEvent): void {
    const publish = this.publish;
    if (!publish || this.paused) return;
    void this.track(
      (async () => {
        for (let attempt = 1; attempt <= ATTEMPTS && !this.paused; attempt++) {
          try {
            await publish(event);
            await this.forget(event.id);
            return;
          } catch (err) {
            this.log(
              `sfn: status event of ${event.detail.name} (${event.detail.status}) not delivered, attempt ${attempt}: ${String(err)}`,
              'warn',
            );
            await new Promise((r) => setTimeout(r, 500 * attempt));
          }
        }
      })(),
    );
  }

  private async forget(id: string): Promise<void> {
    this.pending.delete(id);
    await rm(this.file(id), { force: true });
  }

  private file(id: string): string {
    return path.join(this.dir, `${id}.json`);
  }
}
