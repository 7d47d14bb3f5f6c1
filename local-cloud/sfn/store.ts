import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { CoalescingWriter, readJson } from '../json-file.js';
import { appendEvents, failed, type HistoryEvent } from './history.js';

/**
 * State machines and executions on disk under <dataDir>/sfn/, one JSON file each, written
 * atomically. On load an execution still RUNNING belonged to a process that died: it is marked
 * FAILED (States.Runtime, "local cloud restarted"), because its in-memory run is gone.
 */
export const stateMachineSchema = z.object({
  name: z.string(),
  stateMachineArn: z.string(),
  definition: z.string(),
  roleArn: z.string(),
  type: z.literal('STANDARD'),
  creationDate: z.number(),
  updateDate: z.number().optional(),
  revisionId: z.string(),
  /** As given to CreateStateMachine (AWS's defaults when absent: logging OFF, tracing off). */
  loggingConfiguration: z
    .object({ level: z.enum(['ALL', 'ERROR', 'FATAL', 'OFF']), includeExecutionData: z.boolean() })
    .optional(),
  tracingConfiguration: z.object({ enabled: z.boolean() }).optional(),
});
export type StateMachineRecord = z.infer<typeof stateMachineSchema>;

export const EXECUTION_STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];

export const executionSchema = z.object({
  executionArn: z.string(),
  stateMachineArn: z.string(),
  stateMachineName: z.string(),
  name: z.string(),
  status: z.enum(EXECUTION_STATUSES),
  startDate: z.number(),
  stopDate: z.number().optional(),
  input: z.string(),
  output: z.string().optional(),
  error: z.string().optional(),
  cause: z.string().optional(),
  history: z.array(
    z.looseObject({ id: z.number(), previousEventId: z.number(), timestamp: z.number(), type: z.string() }),
  ),
});
export type ExecutionRecord = z.infer<typeof executionSchema> & { history: HistoryEvent[] };

export const RESTART_CAUSE = 'local cloud restarted';

export class SfnStore {
  private readonly writer = new CoalescingWriter();
  readonly stateMachines = new Map<string, StateMachineRecord>();
  readonly executions = new Map<string, ExecutionRecord>();

  constructor(private readonly dir: string) {}

  /** `onRestartFailed`: awaited before such an execution's FAILED record is saved (its status event). */
  async load(onRestartFailed?: (exec: ExecutionRecord) => Promise<void>): Promise<void> {
    await mkdir(path.join(this.dir, 'state-machines'), { recursive: true });
    await mkdir(path.join(this.dir, 'executions'), { recursive: true });
    for (const file of await jsonFiles(path.join(this.dir, 'state-machines'))) {
      const sm = stateMachineSchema.parse(await readJson(file));
      this.stateMachines.set(sm.stateMachineArn, sm);
    }
    for (const smDir of await readdir(path.join(this.dir, 'executions'))) {
      for (const file of await jsonFiles(path.join(this.dir, 'executions', smDir))) {
        const exec = executionSchema.parse(await readJson(file)) as ExecutionRecord;
        if (exec.status === 'RUNNING') {
          const now = Date.now() / 1000;
          Object.assign(exec, {
            status: 'FAILED',
            stopDate: now,
            error: 'States.Runtime',
            cause: RESTART_CAUSE,
          });
          appendEvents(exec.history, [failed(now, 'States.Runtime', RESTART_CAUSE)]);
          await onRestartFailed?.(exec);
          await this.saveExecution(exec);
        }
        this.executions.set(exec.executionArn, exec);
      }
    }
  }

  async saveStateMachine(sm: StateMachineRecord): Promise<void> {
    this.stateMachines.set(sm.stateMachineArn, sm);
    await this.writer.write(path.join(this.dir, 'state-machines', `${sm.name}.json`), sm);
  }

  async saveExecution(exec: ExecutionRecord): Promise<void> {
    this.executions.set(exec.executionArn, exec);
    const dir = path.join(this.dir, 'executions', exec.stateMachineName);
    await mkdir(dir, { recursive: true });
    // structuredClone: the record keeps changing while an earlier snapshot waits to be written.
    await this.writer.write(path.join(dir, `${exec.name}.json`), structuredClone(exec));
  }

  flush(): Promise<void> {
    return this.writer.flush();
  }
}

async function jsonFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  // Temporary files of writes a crash interrupted: never renamed into place, so never state.
  await Promise.all(
    names.filter((n) => /^\..*\.tmp$/.test(n)).map((n) => rm(path.join(dir, n), { force: true })),
  );
  return names.filter((n) => n.endsWith('.json') && !n.startsWith('.')).map((n) => path.join(dir, n));
}
