import { randomUUID } from 'node:crypto';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import type { Log } from '../log.js';
import { executionArn } from './arns.js';
import { appendEvents, type EngineEvent, fromEngineEvent, type HistoryDraft } from './history.js';
import type { ExecutionRecord, SfnStore, StateMachineRecord } from './store.js';
import { type Definition, type Invoke, scaledOverrides, taskHandlers } from './task-handlers.js';

/**
 * Runs executions in aws-local-stepfunctions and keeps their record (status, output, history) in
 * the store as they go. One in-memory handle per running execution, for StopExecution.
 */
export const SHUTDOWN_CAUSE = 'local cloud stopped';

export interface EngineOptions {
  region: string;
  accountId: string;
  invoke: Invoke;
  /** Multiplies Wait `Seconds` and Retry intervals (1 = real time). */
  timeScale: number;
  log?: Log;
  /** Called once per execution, when its final record is saved. */
  onExecutionEnd?: (exec: ExecutionRecord) => void;
}

export class ExecutionEngine {
  private readonly running = new Map<string, { abort: () => void; done: Promise<void> }>();
  private shuttingDown = false;

  constructor(
    private readonly store: SfnStore,
    private readonly opts: EngineOptions,
  ) {}

  /** Registers the execution synchronously (so it is listed at once), then runs it in the background. */
  start(sm: StateMachineRecord, name: string | undefined, input: string): ExecutionRecord {
    const execName = name ?? randomUUID();
    const now = Date.now();
    const exec: ExecutionRecord = {
      executionArn: executionArn(this.opts.region, this.opts.accountId, sm.name, execName),
      stateMachineArn: sm.stateMachineArn,
      stateMachineName: sm.name,
      name: execName,
      status: 'RUNNING',
      startDate: now / 1000,
      input,
      history: [],
    };
    this.store.executions.set(exec.executionArn, exec);
    void this.run(sm, exec).catch((err: unknown) => {
      this.opts.log?.(`sfn: execution ${exec.executionArn} crashed: ${String(err)}`, 'error');
    });
    return exec;
  }

  stop(arn: string, error?: string, cause?: string): boolean {
    const handle = this.running.get(arn);
    const exec = this.store.executions.get(arn);
    if (!handle || !exec) return false;
    if (error !== undefined) exec.error = error;
    if (cause !== undefined) exec.cause = cause;
    handle.abort();
    return true;
  }

  async drain(): Promise<void> {
    await Promise.allSettled([...this.running.values()].map((r) => r.done));
    await this.store.flush();
  }

  /** Shutdown: a run cannot survive the process, so it ends FAILED rather than looking user-aborted. */
  async abortAll(): Promise<void> {
    this.shuttingDown = true;
    for (const r of this.running.values()) r.abort();
    await this.drain();
  }

  private async run(sm: StateMachineRecord, exec: ExecutionRecord): Promise<void> {
    const definition = JSON.parse(sm.definition) as StateMachineDefinition & Definition;
    // Lambda events recorded by Task handlers, per state, until that state's entry is in the history.
    const pending = new Map<string, HistoryDraft[]>();
    const entered = new Set<string>();
    const take = (state: string) => {
      const drafts = pending.get(state) ?? [];
      pending.delete(state);
      return drafts;
    };
    const machine = new StateMachine(definition, { validationOptions: { checkPaths: true } });
    const overrides = {
      taskResourceLocalHandlers: taskHandlers(definition, this.opts.invoke, (state, d) =>
        pending.set(state, [...(pending.get(state) ?? []), d]),
      ),
      ...(this.opts.timeScale !== 1 ? scaledOverrides(definition, this.opts.timeScale) : {}),
    };
    const execution = machine.run(JSON.parse(exec.input), {
      overrides,
      noThrowOnAbort: true,
      context: {
        Execution: {
          Id: exec.executionArn,
          Name: exec.name,
          Input: JSON.parse(exec.input),
          StartTime: new Date(exec.startDate * 1000).toISOString(),
          RoleArn: sm.roleArn,
        },
        StateMachine: { Id: sm.stateMachineArn, Name: sm.name },
      },
    });
    let resolveDone = () => {};
    const done = new Promise<void>((r) => {
      resolveDone = r;
    });
    this.running.set(exec.executionArn, { abort: execution.abort, done });
    try {
      for await (const raw of execution.eventLogs) {
        const event = raw as unknown as EngineEvent;
        const stateName = event.state?.name;
        const drafts: HistoryDraft[] = [];
        if (event.type !== 'StateEntered') for (const s of entered) drafts.push(...take(s));
        const mapped = fromEngineEvent(event, sm.roleArn);
        if (mapped) drafts.push(mapped);
        if (stateName && event.type === 'StateEntered') {
          entered.add(stateName);
          drafts.push(...take(stateName));
        }
        if (stateName && event.type === 'StateExited') entered.delete(stateName);
        this.applyTerminal(exec, event);
        appendEvents(exec.history, drafts);
        void this.store.saveExecution(exec);
      }
      await execution.result.catch(() => null);
      if (exec.status === 'RUNNING') {
        // The event log closed without a terminal event (should not happen): fail loudly, not hang.
        Object.assign(exec, { status: 'FAILED', stopDate: Date.now() / 1000, error: 'States.Runtime' });
        exec.cause ??= 'execution ended without a result';
      }
      appendEvents(exec.history, [...pending.values()].flat());
      await this.store.saveExecution(exec);
      this.opts.onExecutionEnd?.(exec);
    } finally {
      this.running.delete(exec.executionArn);
      resolveDone();
    }
  }

  private applyTerminal(exec: ExecutionRecord, e: EngineEvent): void {
    const stop = e.timestamp / 1000;
    switch (e.type) {
      case 'ExecutionSucceeded':
        Object.assign(exec, {
          status: 'SUCCEEDED',
          stopDate: stop,
          output: JSON.stringify(e.output ?? null),
        });
        break;
      case 'ExecutionFailed':
        Object.assign(exec, {
          status: 'FAILED',
          stopDate: stop,
          error: e.Error ?? 'States.Runtime',
          cause: typeof e.Cause === 'string' ? e.Cause : JSON.stringify(e.Cause ?? ''),
        });
        break;
      case 'ExecutionAborted':
        if (this.shuttingDown) {
          Object.assign(exec, {
            status: 'FAILED',
            stopDate: stop,
            error: 'States.Runtime',
            cause: SHUTDOWN_CAUSE,
          });
        } else Object.assign(exec, { status: 'ABORTED', stopDate: stop });
        break;
      case 'ExecutionTimeout':
        Object.assign(exec, { status: 'TIMED_OUT', stopDate: stop, error: 'States.Timeout' });
        break;
    }
  }
}
