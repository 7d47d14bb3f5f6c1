import type { HistoryView, RolloutView } from '../read-model/views.js';
import { type Paint, short, time } from './paint.js';

/** One line per rollout or command: time, model, strategy, outcome, and why when it did not go live. */

const MAX_REASON = 160;
const OK = new Set(['completed', 'promoted', 'unchanged', 'held']);

export function historyLine(r: RolloutView, paint: Paint): string {
  const status = r.status.padEnd(11);
  const coloured = OK.has(r.status)
    ? paint('green', status)
    : r.status === 'in-progress'
      ? paint('yellow', status)
      : paint('red', status);
  const what =
    r.kind === 'command' && r.command
      ? `${r.command.command}${r.command.version ? ` --to ${r.command.version}` : ''}: ${r.command.from ?? '?'} → ${r.command.to ?? '?'}`
      : `${r.modelKey ?? '?'} ${short(r.sha256)} ${r.strategy ?? ''}${r.version ? ` v${r.version}` : ''}`;
  // One line each: the whole reason is in --json and in `report`.
  const clipped =
    r.reason && r.reason.length > MAX_REASON ? `${r.reason.slice(0, MAX_REASON - 1)}…` : r.reason;
  const reason = clipped ? `  ${paint('dim', clipped)}` : '';
  return `${time(r.startedAt)}  ${coloured} ${what}${reason}`;
}

export function renderHistory(h: HistoryView, paint: Paint): string {
  if (h.rollouts.length === 0) return 'no rollouts yet';
  return [
    ...h.rollouts.map((r) => historyLine(r, paint)),
    ...h.problems.map((p) => paint('yellow', `! ${p}`)),
  ].join('\n');
}
