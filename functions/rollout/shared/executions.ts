import {
  DescribeExecutionCommand,
  type ExecutionListItem,
  ListExecutionsCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { sfn } from '../../shared/aws-clients.js';

export interface RunningExecution {
  arn: string;
  name: string;
  /** epoch ms */
  started: number;
  kind: 'upload' | 'command';
}

/** `arn:…:stateMachine:<sm>` + name → `arn:…:execution:<sm>:<name>` (standard workflows). */
export function executionArn(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

export async function executionStatus(arn: string): Promise<string | undefined> {
  const out = await sfn().send(new DescribeExecutionCommand({ executionArn: arn }));
  return out.status;
}

/** Status, error and cause of an execution; undefined when there is no such execution. */
export async function describeEnd(
  arn: string,
): Promise<{ status?: string; error?: string; cause?: string } | undefined> {
  try {
    const out = await sfn().send(new DescribeExecutionCommand({ executionArn: arn }));
    return { status: out.status, error: out.error, cause: out.cause };
  } catch (err) {
    if (err instanceof Error && err.name === 'ExecutionDoesNotExist') return undefined;
    throw err;
  }
}

/**
 * Bounds on what supersede reads: ListExecutions pages of 100 (500 running executions is far past
 * any real burst) and DescribeExecution calls, newest first — those are the ones that decide whether
 * a later upload is still running. An older upload left undescribed is not stopped, but can no
 * longer write either: the alias note's watermark and owner turn it away (docs/rollout.md).
 */
export const MAX_LIST_PAGES = 5;
export const MAX_DESCRIBED = 50;

/** RUNNING executions of the state machine, newest first, each classified upload or command by its input. */
export async function runningExecutions(stateMachineArn: string): Promise<RunningExecution[]> {
  const items: ExecutionListItem[] = [];
  let nextToken: string | undefined;
  let pages = 0;
  do {
    const page = await sfn().send(
      new ListExecutionsCommand({ stateMachineArn, statusFilter: 'RUNNING', nextToken, maxResults: 100 }),
    );
    items.push(...(page.executions ?? []));
    nextToken = page.nextToken;
  } while (nextToken && ++pages < MAX_LIST_PAGES);
  const newest = items
    .sort((a, b) => (b.startDate?.getTime() ?? 0) - (a.startDate?.getTime() ?? 0))
    .slice(0, MAX_DESCRIBED);
  return Promise.all(
    newest.map(async (item) => {
      const arn = item.executionArn ?? '';
      const described = await sfn().send(new DescribeExecutionCommand({ executionArn: arn }));
      return {
        arn,
        name: item.name ?? '',
        started: (item.startDate ?? new Date(0)).getTime(),
        kind: isCommandInput(described.input) ? ('command' as const) : ('upload' as const),
      };
    }),
  );
}

function isCommandInput(input: string | undefined): boolean {
  try {
    const parsed: unknown = JSON.parse(input ?? '{}');
    return typeof parsed === 'object' && parsed !== null && 'command' in parsed;
  } catch {
    return false;
  }
}

/** Stops an execution; one that already ended is fine (idempotent under retries). */
export async function stopExecution(arn: string, cause: string): Promise<boolean> {
  try {
    await sfn().send(
      new StopExecutionCommand({ executionArn: arn, error: 'Superseded', cause: cause.slice(0, 32_000) }),
    );
    return true;
  } catch (err) {
    if (err instanceof Error && ['ExecutionDoesNotExist', 'ExecutionNotRunning'].includes(err.name))
      return false;
    throw err;
  }
}
