import { type AliasNote, startedLater } from '../shared/alias-note.js';
import type { RunningExecution } from '../shared/executions.js';

/**
 * The supersede rule (docs/rollout.md): the upload that STARTED last wins (start time, ties by
 * execution name). Just before its first alias change an upload execution:
 * - gives up (Superseded) if a later upload is still RUNNING, or if the alias note's watermark
 *   says a later upload already claimed the alias;
 * - otherwise stops every earlier RUNNING upload (commands are never stopped; they are short
 *   and act under the same RevisionId discipline) and clears any candidate weight on the alias.
 */
export interface Me {
  name: string;
  arn: string;
  started: number;
}

export type SupersedeChoice =
  | { superseded: true; by: string; reason: string }
  | { superseded: false; stop: RunningExecution[] };

export function chooseSuperseded(me: Me, running: RunningExecution[], note: AliasNote): SupersedeChoice {
  const uploads = running.filter((e) => e.kind === 'upload' && e.arn !== me.arn && e.name !== me.name);
  const newer = uploads.filter((e) => startedLater(e, me));
  const [newest] = newer.sort((a, b) => b.started - a.started);
  if (newest) {
    return { superseded: true, by: newest.name, reason: `a later upload (${newest.name}) is still running` };
  }
  if (note.owner && note.owner !== me.name && note.started !== undefined) {
    if (startedLater({ started: note.started, name: note.owner }, me)) {
      return {
        superseded: true,
        by: note.owner,
        reason: `a later upload (${note.owner}) already changed alias live`,
      };
    }
  }
  return { superseded: false, stop: uploads.filter((e) => !startedLater(e, me)) };
}
