import { randomUUID } from 'node:crypto';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { z } from 'zod';
import { isValidName, nameFromArn, stateMachineArn } from './arns.js';
import type { ExecutionEngine } from './engine.js';
import { inputTooLargeMessage, MAX_PAYLOAD_BYTES } from './limits.js';
import { EXECUTION_STATUSES, type ExecutionRecord, type SfnStore, type StateMachineRecord } from './store.js';

/**
 * The Step Functions JSON 1.0 API (X-Amz-Target: AWSStepFunctions.<Operation>) over the store and
 * the engine. Timestamps are epoch seconds, errors `{ __type, message }` with HTTP 400, as the SDK
 * and the CLI expect.
 */
export class SfnApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export interface SfnApiContext {
  region: string;
  accountId: string;
  store: SfnStore;
  engine: ExecutionEngine;
}

const createSchema = z.object({
  name: z.string(),
  definition: z.string(),
  roleArn: z.string().optional(),
  type: z.enum(['STANDARD', 'EXPRESS']).optional(),
  // Destinations (log groups) are not modelled locally; the level and the flag are kept and described.
  loggingConfiguration: z
    .object({
      level: z.enum(['ALL', 'ERROR', 'FATAL', 'OFF']).default('OFF'),
      includeExecutionData: z.boolean().default(false),
    })
    .optional(),
  tracingConfiguration: z.object({ enabled: z.boolean().default(false) }).optional(),
});
const arnOnly = z.object({ stateMachineArn: z.string() });
const updateSchema = z.object({
  stateMachineArn: z.string(),
  definition: z.string().optional(),
  roleArn: z.string().optional(),
});
const startSchema = z.object({
  stateMachineArn: z.string(),
  name: z.string().optional(),
  input: z.string().optional(),
});
const execArnOnly = z.object({ executionArn: z.string() });
const stopSchema = z.object({
  executionArn: z.string(),
  error: z.string().optional(),
  cause: z.string().optional(),
});
const pageSchema = z.object({
  maxResults: z.number().int().min(0).max(1000).optional(),
  nextToken: z.string().optional(),
});
const listExecSchema = pageSchema.extend({
  stateMachineArn: z.string(),
  statusFilter: z.enum(EXECUTION_STATUSES).optional(),
});
const historySchema = pageSchema.extend({
  executionArn: z.string(),
  reverseOrder: z.boolean().optional(),
  includeExecutionData: z.boolean().optional(),
});

export async function handleSfnOperation(
  ctx: SfnApiContext,
  operation: string,
  body: unknown,
): Promise<unknown> {
  const parse = <T extends z.ZodType>(schema: T): z.infer<T> => {
    const r = schema.safeParse(body ?? {});
    if (!r.success) throw new SfnApiError('ValidationException', z.prettifyError(r.error));
    return r.data;
  };
  switch (operation) {
    case 'CreateStateMachine':
      return createStateMachine(ctx, parse(createSchema));
    case 'ListStateMachines': {
      const p = parse(pageSchema);
      const all = [...ctx.store.stateMachines.values()].sort((a, b) => a.name.localeCompare(b.name));
      return paginate(all, p, 'stateMachines', (sm) => ({
        stateMachineArn: sm.stateMachineArn,
        name: sm.name,
        type: sm.type,
        creationDate: sm.creationDate,
      }));
    }
    case 'DescribeStateMachine': {
      const sm = getStateMachine(ctx, parse(arnOnly).stateMachineArn);
      return {
        stateMachineArn: sm.stateMachineArn,
        name: sm.name,
        status: 'ACTIVE',
        definition: sm.definition,
        roleArn: sm.roleArn,
        type: sm.type,
        creationDate: sm.creationDate,
        revisionId: sm.revisionId,
        loggingConfiguration: sm.loggingConfiguration ?? { level: 'OFF', includeExecutionData: false },
        tracingConfiguration: sm.tracingConfiguration ?? { enabled: false },
      };
    }
    case 'UpdateStateMachine': {
      const p = parse(updateSchema);
      const sm = getStateMachine(ctx, p.stateMachineArn);
      if (p.definition !== undefined) validateDefinition(p.definition);
      const next: StateMachineRecord = {
        ...sm,
        ...(p.definition !== undefined ? { definition: p.definition } : {}),
        ...(p.roleArn !== undefined ? { roleArn: p.roleArn } : {}),
        updateDate: Date.now() / 1000,
        revisionId: randomUUID(),
      };
      await ctx.store.saveStateMachine(next);
      return { updateDate: next.updateDate, revisionId: next.revisionId };
    }
    case 'StartExecution':
      return startExecution(ctx, parse(startSchema));
    case 'DescribeExecution': {
      const e = getExecution(ctx, parse(execArnOnly).executionArn);
      return {
        executionArn: e.executionArn,
        stateMachineArn: e.stateMachineArn,
        name: e.name,
        status: e.status,
        startDate: e.startDate,
        ...(e.stopDate !== undefined ? { stopDate: e.stopDate } : {}),
        input: e.input,
        inputDetails: { included: true },
        ...(e.output !== undefined ? { output: e.output, outputDetails: { included: true } } : {}),
        ...(e.error !== undefined ? { error: e.error } : {}),
        ...(e.cause !== undefined ? { cause: e.cause } : {}),
      };
    }
    case 'ListExecutions': {
      const p = parse(listExecSchema);
      getStateMachine(ctx, p.stateMachineArn);
      const all = [...ctx.store.executions.values()]
        .filter(
          (e) => e.stateMachineArn === p.stateMachineArn && (!p.statusFilter || e.status === p.statusFilter),
        )
        .sort((a, b) => b.startDate - a.startDate);
      return paginate(all, p, 'executions', (e) => ({
        executionArn: e.executionArn,
        stateMachineArn: e.stateMachineArn,
        name: e.name,
        status: e.status,
        startDate: e.startDate,
        ...(e.stopDate !== undefined ? { stopDate: e.stopDate } : {}),
      }));
    }
    case 'GetExecutionHistory': {
      const p = parse(historySchema);
      const e = getExecution(ctx, p.executionArn);
      const events = p.reverseOrder ? [...e.history].reverse() : e.history;
      return paginate(events, p, 'events', (ev) => ev);
    }
    case 'StopExecution': {
      const p = parse(stopSchema);
      const e = getExecution(ctx, p.executionArn);
      if (e.status === 'RUNNING') {
        ctx.engine.stop(e.executionArn, p.error, p.cause);
        await waitFor(() => e.status !== 'RUNNING', 5000);
      }
      return { stopDate: e.stopDate ?? Date.now() / 1000 };
    }
    default:
      throw new SfnApiError('UnknownOperationException', `operation ${operation} is not supported locally`);
  }
}

async function createStateMachine(ctx: SfnApiContext, p: z.infer<typeof createSchema>) {
  if (!isValidName(p.name)) throw new SfnApiError('InvalidName', `Invalid Name: '${p.name}'`);
  if (p.type === 'EXPRESS')
    throw new SfnApiError('ValidationException', 'only STANDARD state machines run locally');
  validateDefinition(p.definition);
  const arn = stateMachineArn(ctx.region, ctx.accountId, p.name);
  const existing = ctx.store.stateMachines.get(arn);
  if (existing) {
    // AWS makes CreateStateMachine idempotent for an identical definition and role.
    if (existing.definition === p.definition)
      return { stateMachineArn: arn, creationDate: existing.creationDate };
    throw new SfnApiError('StateMachineAlreadyExists', `State Machine Already Exists: '${arn}'`);
  }
  const sm: StateMachineRecord = {
    name: p.name,
    stateMachineArn: arn,
    definition: p.definition,
    roleArn: p.roleArn ?? `arn:aws:iam::${ctx.accountId}:role/local-stepfunctions`,
    type: 'STANDARD',
    creationDate: Date.now() / 1000,
    revisionId: randomUUID(),
    ...(p.loggingConfiguration ? { loggingConfiguration: p.loggingConfiguration } : {}),
    ...(p.tracingConfiguration ? { tracingConfiguration: p.tracingConfiguration } : {}),
  };
  await ctx.store.saveStateMachine(sm);
  return { stateMachineArn: arn, creationDate: sm.creationDate };
}

async function startExecution(ctx: SfnApiContext, p: z.infer<typeof startSchema>) {
  const sm = getStateMachine(ctx, p.stateMachineArn);
  const input = p.input ?? '{}';
  if (Buffer.byteLength(input) > MAX_PAYLOAD_BYTES)
    throw new SfnApiError('ValidationException', inputTooLargeMessage());
  try {
    JSON.parse(input);
  } catch {
    throw new SfnApiError('InvalidExecutionInput', 'Invalid execution input: not JSON');
  }
  if (p.name !== undefined) {
    if (!isValidName(p.name)) throw new SfnApiError('InvalidName', `Invalid Name: '${p.name}'`);
    const existing = [...ctx.store.executions.values()].find(
      (e) => e.stateMachineArn === sm.stateMachineArn && e.name === p.name,
    );
    if (existing) {
      // As on AWS: repeating a running execution's name with the same input returns it.
      if (existing.status === 'RUNNING' && existing.input === input) {
        return { executionArn: existing.executionArn, startDate: existing.startDate };
      }
      throw new SfnApiError('ExecutionAlreadyExists', `Execution Already Exists: '${existing.executionArn}'`);
    }
  }
  const exec = ctx.engine.start(sm, p.name, input);
  return { executionArn: exec.executionArn, startDate: exec.startDate };
}

function validateDefinition(definition: string): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(definition);
  } catch {
    throw new SfnApiError('InvalidDefinition', 'Invalid State Machine Definition: not JSON');
  }
  try {
    new StateMachine(parsed as StateMachineDefinition);
  } catch (err) {
    throw new SfnApiError('InvalidDefinition', `Invalid State Machine Definition: ${(err as Error).message}`);
  }
}

function getStateMachine(ctx: SfnApiContext, arn: string): StateMachineRecord {
  if (!nameFromArn(arn, 'stateMachine')) throw new SfnApiError('InvalidArn', `Invalid Arn: '${arn}'`);
  const sm = ctx.store.stateMachines.get(arn);
  if (!sm) throw new SfnApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
  return sm;
}

function getExecution(ctx: SfnApiContext, arn: string): ExecutionRecord {
  if (!nameFromArn(arn, 'execution')) throw new SfnApiError('InvalidArn', `Invalid Arn: '${arn}'`);
  const e = ctx.store.executions.get(arn);
  if (!e) throw new SfnApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
  return e;
}

function paginate<T, R>(
  items: T[],
  p: { maxResults?: number | undefined; nextToken?: string | undefined },
  key: string,
  map: (item: T) => R,
) {
  const start = p.nextToken ? Number(Buffer.from(p.nextToken, 'base64').toString()) : 0;
  if (!Number.isInteger(start) || start < 0) throw new SfnApiError('InvalidToken', 'Invalid Token');
  const size = p.maxResults && p.maxResults > 0 ? p.maxResults : 100;
  const page = items.slice(start, start + size).map(map);
  const next = start + size < items.length ? Buffer.from(String(start + size)).toString('base64') : undefined;
  return { [key]: page, ...(next ? { nextToken: next } : {}) };
}

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond() && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
}
