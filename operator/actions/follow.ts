import { EXIT, type ExitCode } from '../errors.js';
import type { Connection } from '../read-model/connect.js';
import { execution } from '../read-model/execution.js';
import type { TimelineView, Verdict } from '../read-model/views.js';
import type { Paint } from '../render/paint.js';
import { footer, timelineLines } from '../render/timeline.js';

/**
 * Follows an execution until its verdict: prints each new timeline line as it appears; on a
 * terminal also a live footer (spinner, bake progress, time left) redrawn in place. Without a
 * terminal nothing is redrawn: the output is the append-only lines, fit for CI logs and pipes.
 */
export interface Output {
  write(text: string): void;
  isTTY: boolean;
}

const CLEAR_LINE = '\r\u001b[2K';

export async function follow(
  c: Connection,
  nameOrArn: string,
  out: Output,
  paint: Paint,
  o: { intervalMs?: number; timeoutMs?: number } = {},
): Promise<TimelineView> {
  const intervalMs = o.intervalMs ?? (c.target.local ? 300 : 2000);
  const deadline = o.timeoutMs ? Date.now() + o.timeoutMs : Number.POSITIVE_INFINITY;
  let printed = 0;
  for (let frame = 0; ; frame++) {
    const view = await execution(c, nameOrArn);
    const lines = timelineLines(view, paint);
    if (out.isTTY) out.write(CLEAR_LINE);
    if (lines.length > printed) out.write(`${lines.slice(printed).join('\n')}\n`);
    printed = Math.max(printed, lines.length);
    if (view.verdict.done) return view;
    if (Date.now() > deadline) {
      out.write(
        `still running (${view.execution.state ?? 'RUNNING'}); npx hypermob watch ${view.execution.name} follows it again\n`,
      );
      return view;
    }
    if (out.isTTY) out.write(footer(view, frame));
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export const EXIT_FOR: Record<Extract<Verdict, { done: true }>['result'], ExitCode> = {
  live: EXIT.ok,
  held: EXIT.ok,
  ok: EXIT.ok,
  rejected: EXIT.rejected,
  'bad-request': EXIT.usage,
  'rolled-back': EXIT.rolledBack,
  superseded: EXIT.superseded,
  'nothing-to-do': EXIT.nothingToDo,
  'not-found': EXIT.notFound,
  failed: EXIT.unexpected,
};

/** The exit code of a followed execution: still running means --timeout ran out. */
export function exitFor(view: TimelineView): ExitCode {
  return view.verdict.done ? EXIT_FOR[view.verdict.result] : EXIT.timeout;
}
