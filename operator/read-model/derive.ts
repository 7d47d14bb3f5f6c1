import type { Lineage, Report } from './records.js';
import type { BakeView, ExecutionStatus, ReportView, RolloutView, Verdict } from './views.js';

/** Pure derivations from the records to the views (no AWS here). */

export function rolloutView(r: Lineage): RolloutView {
  const ended = r.outcome.status !== 'in-progress';
  const c = r.command;
  return {
    execution: r.execution,
    kind: r.kind,
    startedAt: r.startedAt,
    endedAt: ended ? r.outcome.at : null,
    status: r.outcome.status,
    modelKey: r.model?.key ?? null,
    sha256: r.model?.sha256 ?? null,
    strategy: r.plan?.strategy ?? null,
    parameters: r.plan?.parameters ?? {},
    version: r.release?.version ?? c?.after?.primary ?? null,
    command: c
      ? {
          command: c.command,
          version: c.version ?? null,
          from: c.before?.primary ?? null,
          to: c.after?.primary ?? null,
        }
      : null,
    reason: outcomeReason(r),
    by: r.outcome.by ?? null,
    experiment: r.looks.at(-1) ?? null,
  };
}

/** Why a rollout did not go live, in one line; null when it did (or is still going). */
export function outcomeReason(r: Lineage): string | null {
  const { status, cause, error, by } = r.outcome;
  if (['in-progress', 'completed', 'unchanged', 'held', 'promoted'].includes(status)) return null;
  if (by) return `${status} by ${by}`;
  if (!cause) return error ?? null;
  if (status === 'rolled-back' || status === 'rollback-failed') return rollbackReason(cause) ?? cause;
  // ModelRejected causes end with the report's URL, which `report` shows anyway.
  return cause.replace(/\s*\(report: s3:\/\/[^)]*\)\s*$/, '');
}

/** A RolledBack cause is JSON: the gate's reasons, or the error of a step after traffic moved. */
function rollbackReason(cause: string): string | undefined {
  try {
    const c = JSON.parse(cause) as { gate?: string[]; error?: string; cause?: string };
    if (c.gate?.length) return c.gate.join('; ');
    if (c.error) return `${c.error}${c.cause ? `: ${c.cause}` : ''}`;
  } catch {
    // not JSON: shown as it is
  }
  return undefined;
}

export function reportView(key: string, r: Report): ReportView {
  return {
    execution: r.executionName,
    key,
    generatedAt: r.generatedAt,
    passed: r.passed,
    failed: r.failed,
    model: {
      key: r.model.key,
      sha256: r.model.sha256 ?? null,
      size: r.model.size ?? null,
      metadata: r.model.metadata ?? {},
    },
    live: {
      version: r.live?.version ?? null,
      compared: r.live?.compared ?? false,
      reason: r.live?.reason ?? null,
    },
    checks: r.checks,
    signatureDiff: r.signatureDiff,
  };
}

/** The Bake state as the execution history shows it: when it was entered and how long it waits. */
export interface BakeEntered {
  at: string;
  waitSeconds: number;
  step: number;
  weight: number;
  extensions: number;
}

export function bakeView(bake: BakeEntered, steps: number, now: Date): BakeView {
  const ends = Date.parse(bake.at) + bake.waitSeconds * 1000;
  return {
    step: bake.step + 1,
    steps,
    weight: bake.weight,
    startedAt: bake.at,
    endsAt: new Date(ends).toISOString(),
    secondsLeft: Math.max(0, Math.ceil((ends - now.getTime()) / 1000)),
    extensions: bake.extensions,
  };
}

export interface ExecutionFacts {
  status: ExecutionStatus;
  error: string | null;
  cause: string | null;
  output: string | null;
  kind: 'upload' | 'command';
}

/**
 * Has the execution ended, and how does that count for the operator? An upload counts as done when
 * its model is live, when its experiment holds its weight (the execution may go on deciding), or
 * when it ended any other way; a command when its execution ended.
 */
export function verdictOf(
  e: ExecutionFacts,
  lineage: Lineage | undefined,
  report: ReportView | null,
): Verdict {
  const version = lineage?.release?.version;
  const held = lineage?.weights.at(-1);
  if (e.kind === 'upload' && lineage?.plan?.hold && held?.candidate && lineage.outcome.status !== 'aborted') {
    if (lineage.outcome.status === 'held' || lineage.outcome.status === 'in-progress') {
      return {
        done: true,
        result: 'held',
        message: `experiment running: version ${held.candidate} takes ${percent(held.weight)} of ${'live'} (promote or abort decides)`,
      };
    }
  }
  if (e.status === 'RUNNING' || e.status === 'PENDING_REDRIVE') return { done: false };
  if (e.kind === 'command') return commandVerdict(e);
  const status = lineage?.outcome.status;
  const reason = lineage ? outcomeReason(lineage) : null;
  switch (status) {
    case 'completed':
    case 'promoted':
      return { done: true, result: 'live', message: `live on version ${version}` };
    case 'unchanged':
      return {
        done: true,
        result: 'live',
        message: `live on version ${version} (identical bytes, nothing changed)`,
      };
    case 'rejected':
      return lineage?.outcome.error === 'BadRolloutRequest'
        ? { done: true, result: 'bad-request', message: `bad rollout request: ${reason}` }
        : { done: true, result: 'rejected', message: rejection(report, reason) };
    case 'rolled-back':
    case 'rollback-failed':
    case 'aborted': {
      const to = lineage?.weights.at(-1)?.primary;
      const where =
        status === 'rollback-failed' ? 'rollback FAILED, inspect alias live' : `live stays on version ${to}`;
      return {
        done: true,
        result: 'rolled-back',
        message: `${status}: ${reason ?? 'no reason recorded'} (${where})`,
      };
    }
    case 'superseded':
      return { done: true, result: 'superseded', message: `superseded: ${reason}` };
  }
  // No outcome recorded: the execution's own end says what happened.
  if (e.status === 'SUCCEEDED') {
    return {
      done: true,
      result: 'failed',
      message: 'ignored: the key is not an upload the pipeline rolls out',
    };
  }
  if (e.error === 'ModelRejected')
    return { done: true, result: 'rejected', message: rejection(report, e.cause) };
  if (e.error === 'BadRolloutRequest')
    return { done: true, result: 'bad-request', message: `bad rollout request: ${e.cause}` };
  if (e.error === 'Superseded' || e.status === 'ABORTED')
    return { done: true, result: 'superseded', message: `stopped: ${e.cause ?? e.error ?? e.status}` };
  return { done: true, result: 'failed', message: `${e.status}: ${e.error ?? ''} ${e.cause ?? ''}`.trim() };
}

function commandVerdict(e: ExecutionFacts): Verdict {
  if (e.status === 'SUCCEEDED') {
    const summary = parseSummary(e.output);
    return { done: true, result: 'ok', message: summary ?? 'done' };
  }
  if (e.error === 'NothingToDo')
    return { done: true, result: 'nothing-to-do', message: e.cause ?? 'nothing to do' };
  if (e.error === 'BadRolloutRequest')
    return { done: true, result: 'bad-request', message: e.cause ?? 'bad request' };
  return { done: true, result: 'failed', message: `${e.status}: ${e.error ?? ''} ${e.cause ?? ''}`.trim() };
}

function parseSummary(output: string | null): string | null {
  try {
    const o = JSON.parse(output ?? '') as { summary?: unknown };
    return typeof o.summary === 'string' ? o.summary : null;
  } catch {
    return null;
  }
}

/** "rejected by accuracy, seatpos — accuracy: …" from the report; the cause when there is none. */
function rejection(report: ReportView | null, cause: string | null): string {
  const failed = report?.checks.filter((c) => c.status === 'failed') ?? [];
  if (failed.length === 0) return `rejected: ${cause ?? 'no cause recorded'}`;
  return `rejected by ${failed.map((c) => c.name).join(', ')} — ${failed.map((c) => `${c.name}: ${c.summary}`).join('; ')}`;
}

export function percent(weight: number): string {
  return `${Number((weight * 100).toFixed(2))} %`;
}
