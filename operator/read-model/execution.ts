import { DescribeExecutionCommand, GetExecutionHistoryCommand, type HistoryEvent } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { NotFoundError } from '../errors.js';
import { readRecord } from './bucket.js';
import type { Connection } from './connect.js';
import { type BakeEntered, bakeView, reportView, rolloutView, verdictOf } from './derive.js';
import { lineageKeyOf, reportKeyOf } from './lineage.js';
import { lineageSchema, reportSchema } from './records.js';
import { planView } from './rollouts.js';
import { executionArnFor } from './target.js';
import type { ExecutionStatus, TimelineView } from './views.js';

/**
 * One execution as it unfolds: DescribeExecution (status, error), its lineage record (weights,
 * gates, outcome), its validation report (checks) and the newest events of its history (the state
 * it is in, and when the current bake ends).
 */
export async function execution(c: Connection, nameOrArn: string, now = new Date()): Promise<TimelineView> {
  const arn = executionArnFor(c.target.stateMachineArn, nameOrArn);
  const described = await c.sfn
    .send(new DescribeExecutionCommand({ executionArn: arn }))
    .catch((err: Error) => {
      if (['ExecutionDoesNotExist', 'InvalidArn'].includes(err.name))
        throw new NotFoundError(`no execution ${nameOrArn} of ${c.target.stateMachineName}`);
      throw err;
    });
  const name = described.name ?? arn.split(':').at(-1) ?? '';
  const [lineage, report, events] = await Promise.all([
    readRecord(c, lineageKeyOf(name), lineageSchema),
    readRecord(c, reportKeyOf(name), reportSchema),
    newestEvents(c, arn),
  ]);
  const status = (described.status ?? 'RUNNING') as ExecutionStatus;
  const kind = lineage?.kind ?? (isCommand(described.input) ? 'command' : 'upload');
  const validation = report ? reportView(reportKeyOf(name), report) : null;
  const bake = status === 'RUNNING' ? bakeEntered(events) : undefined;
  return {
    execution: {
      name,
      arn,
      status,
      startedAt: (described.startDate ?? now).toISOString(),
      stoppedAt: described.stopDate?.toISOString() ?? null,
      error: described.error ?? null,
      cause: described.cause ?? null,
      state: status === 'RUNNING' ? currentState(events) : null,
    },
    rollout: lineage ? rolloutView(lineage) : null,
    plan: lineage ? planView(lineage) : null,
    validation,
    weights: lineage?.weights ?? [],
    gates: lineage?.gates ?? [],
    bake: bake && lineage?.plan ? bakeView(bake, lineage.plan.schedule.length, now) : null,
    verdict: verdictOf(
      {
        status,
        error: described.error ?? null,
        cause: described.cause ?? null,
        output: described.output ?? null,
        kind,
      },
      lineage,
      validation,
    ),
  };
}

function isCommand(input: string | undefined): boolean {
  try {
    return 'command' in (JSON.parse(input ?? '{}') as object);
  } catch {
    return false;
  }
}

/** The newest events, newest first: enough to find the current state and the last Bake. */
async function newestEvents(c: Connection, arn: string): Promise<HistoryEvent[]> {
  const out = await c.sfn.send(
    new GetExecutionHistoryCommand({ executionArn: arn, reverseOrder: true, maxResults: 100 }),
  );
  return out.events ?? [];
}

function currentState(events: HistoryEvent[]): string | null {
  return events.find((e) => e.stateEnteredEventDetails?.name)?.stateEnteredEventDetails?.name ?? null;
}

const bakeInputSchema = z.looseObject({
  progress: z.looseObject({
    waitSeconds: z.number().default(0),
    step: z.number().default(0),
    weight: z.number().default(0),
    extensions: z.number().default(0),
  }),
});

/** The bake in progress: the newest state entered is Bake (its input carries progress.waitSeconds). */
function bakeEntered(events: HistoryEvent[]): BakeEntered | undefined {
  const entered = events.find((e) => e.stateEnteredEventDetails?.name);
  if (entered?.stateEnteredEventDetails?.name !== 'Bake') return undefined;
  try {
    const input = bakeInputSchema.parse(JSON.parse(entered.stateEnteredEventDetails.input ?? '{}'));
    return { at: (entered.timestamp ?? new Date()).toISOString(), ...input.progress };
  } catch {
    return undefined;
  }
}
