import type { RolloutView, TimelineView } from '../read-model/views.js';
import { bar, duration, MARK, type Paint, percent, short } from './paint.js';
import { checkLines } from './report.js';

/**
 * An execution as it unfolds, for `upload` and `watch`: append-only lines (each poll prints only
 * the lines it has not printed yet, so a log reads top to bottom) and, on a terminal only, a footer
 * redrawn in place with the bake's progress bar and time left.
 */

export function timelineLines(v: TimelineView, paint: Paint): string[] {
  const lines = [paint('bold', `execution ${v.execution.name}`)];
  const r = v.rollout;
  if (r?.kind === 'upload') {
    const params = Object.entries(r.parameters)
      .map(([k, x]) => `${k}=${Array.isArray(x) ? x.join(':') : x}`)
      .join(' ');
    lines.push(`  ${r.modelKey} → ${r.strategy}${params ? ` (${params})` : ''}`);
  }
  if (v.validation) {
    lines.push('validation');
    lines.push(...checkLines(v.validation.checks, paint));
  }
  if (r?.version && r.kind === 'upload')
    lines.push(`published version ${r.version}  sha256 ${short(r.sha256)}`);
  const events = [
    ...v.weights.map((w) => ({
      at: w.at,
      line: w.candidate
        ? `${bar(w.weight)} ${percent(w.weight).padStart(6)} on version ${w.candidate}  ${paint('dim', w.reason)}`
        : `${bar(w.weight === 0 ? 0 : 1)} live → version ${w.primary}  ${paint('dim', w.reason)}`,
    })),
    ...v.gates.map((g) => ({ at: g.at, line: gateLine(g, paint) })),
  ].sort((a, b) => a.at.localeCompare(b.at));
  lines.push(...events.map((e) => e.line));
  if (r?.experiment) lines.push(experimentLine(r.experiment, paint));
  if (v.verdict.done) lines.push(verdictLine(v.verdict, paint));
  return lines;
}

function gateLine(g: TimelineView['gates'][number], paint: Paint): string {
  const colour =
    g.decision === 'pass' || g.decision === 'promote'
      ? 'green'
      : g.decision === 'extend' || g.decision === 'continue'
        ? 'yellow'
        : 'red';
  return `  gate ${paint(colour, g.decision)} at ${percent(g.weight)}: ${g.reasons.join('; ') || 'no reasons given'}`;
}

export function experimentLine(look: NonNullable<RolloutView['experiment']>, paint: Paint): string {
  return `  experiment look ${look.look} of ${look.of}: ${paint('bold', look.decision)} — ${look.reasons.join('; ')}`;
}

export function verdictLine(verdict: Extract<TimelineView['verdict'], { done: true }>, paint: Paint): string {
  const good = ['live', 'held', 'ok'].includes(verdict.result);
  return good
    ? paint('green', `${MARK.passed} ${verdict.message}`)
    : paint('red', `${MARK.failed} ${verdict.message}`);
}

const SPINNER = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏';

/** The terminal's live line: where the execution is, and during a bake the weight and time left. */
export function footer(v: TimelineView, frame: number): string {
  const spin = SPINNER[frame % SPINNER.length];
  if (v.bake) {
    const b = v.bake;
    const ext = b.extensions > 0 ? `, extension ${b.extensions}` : '';
    return `${spin} ${bar(b.weight)} ${percent(b.weight)} · step ${b.step} of ${b.steps} · gate in ${duration(b.secondsLeft)}${ext}`;
  }
  return `${spin} ${v.execution.state ?? 'starting'}…`;
}
