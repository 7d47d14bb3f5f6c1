import type { AliasNote, LiveAlias } from '../shared/alias-note.js';
import { NothingToDoError } from '../shared/errors.js';
import type { LineageRecord } from '../shared/lineage.js';
import type { LiveWrite } from '../shared/live-alias.js';
import type { Command } from '../shared/state.js';

/**
 * What a command does to alias `live`, decided from the alias alone (pure):
 * - promote: the candidate becomes primary with no extra weight; requires a candidate weight.
 * - abort: the candidate's weight is removed; requires a candidate weight.
 * - rollback [N]: N (default: rollbackTarget over the lineage's history of live versions) becomes
 *   primary with no extra weight; requires N to differ from what is served now.
 * Whoever owned the candidate weight (an upload execution still baking, or a held A/B) is stopped
 * and its lineage gets the outcome; rollback also stops an owner that is still running without a
 * weight yet. The supersede watermark is kept, so an older upload still in
 * flight can never undo a command.
 */
export interface CommandEffect {
  write: LiveWrite;
  /** The upload execution that owned the candidate weight, to stop and to note in its lineage. */
  owner?: string;
  ownerOutcome?: 'promoted' | 'aborted' | 'rolled-back';
  summary: string;
}

export function decideCommand(
  command: Command,
  live: LiveAlias | undefined,
  history: VersionEvent[] = [],
): CommandEffect {
  if (!live) throw new NothingToDoError('alias live does not exist yet: nothing has been rolled out');
  const keep: AliasNote = { owner: live.note.owner, started: live.note.started };
  const owner = live.candidate ? live.note.owner : undefined;
  const serving = live.candidate
    ? `version ${live.primary} with ${live.candidate.weight} on version ${live.candidate.version}`
    : `version ${live.primary} only`;

  switch (command.command) {
    case 'promote': {
      if (!live.candidate) throw new NothingToDoError(`nothing to promote: live serves ${serving}`);
      return {
        write: { primary: live.candidate.version, note: { ...keep, previous: live.primary } },
        owner,
        ownerOutcome: 'promoted',
        summary: `promoted version ${live.candidate.version} (was ${serving})`,
      };
    }
    case 'abort': {
      if (!live.candidate) throw new NothingToDoError(`nothing to abort: live serves ${serving}`);
      return {
        write: { primary: live.primary, note: { ...keep, previous: live.note.previous } },
        owner,
        ownerOutcome: 'aborted',
        summary: `removed the weight of version ${live.candidate.version}; live serves version ${live.primary}`,
      };
    }
    case 'rollback': {
      // A stack whose lineage holds no live history (records removed) still has the note's previous.
      const walked = history.some((e) => e.kind === 'live');
      const target = command.version ?? (walked ? rollbackTarget(history, live.primary) : live.note.previous);
      if (!target) {
        throw new NothingToDoError(
          walked
            ? 'no earlier live version is fit to roll back to (rejected, aborted and rolled-back versions are skipped); pass {"command":"rollback","version":"N"}'
            : 'no previous version is recorded on alias live or in the lineage; pass {"command":"rollback","version":"N"}',
        );
      }
      if (target === live.primary && !live.candidate) {
        throw new NothingToDoError(`version ${target} is already live with no extra weight`);
      }
      return {
        write: { primary: target, note: { ...keep, previous: live.primary } },
        // An upload that claimed the alias but has not shifted yet must not shift after a rollback.
        owner: live.note.owner,
        ownerOutcome: 'rolled-back',
        summary: `rolled back to version ${target} (was ${serving})`,
      };
    }
  }
}

/**
 * The note a command writes: it becomes the owner, and the watermark moves to its own start time
 * (never back). So the upload that owned the weight fails its owner check at its next write, and
 * a command racing an upload wins over every upload that STARTED before it — that upload gives way
 * (Superseded) when it reaches the alias — while an upload started after the command proceeds.
 */
export function claimedBy(note: AliasNote, me: { name: string; started: number }): AliasNote {
  return { ...note, owner: me.name, started: Math.max(me.started, note.started ?? 0) };
}

/**
 * What the lineage says about a version at a time: it served as primary (`live`), it was judged
 * unfit (`bad`: rejected, aborted, rolled back — its own rollout's outcome, or a command that took
 * it away), or it was explicitly made live again (`good`: completed, promoted, `rollback --to`).
 */
export interface VersionEvent {
  at: string;
  version: string;
  kind: 'live' | 'bad' | 'good';
}

const BAD_OUTCOMES = new Set(['rejected', 'aborted', 'rolled-back', 'rollback-failed', 'reconciled']);
const GOOD_OUTCOMES = new Set(['completed', 'promoted']);

/** Every version event the lineage records (pure; records in any order). */
export function versionEvents(records: LineageRecord[]): VersionEvent[] {
  const events: VersionEvent[] = [];
  for (const r of records) {
    for (const w of r.weights) events.push({ at: w.at, version: w.primary, kind: 'live' });
    const released = r.release?.version;
    const { status, at } = r.outcome;
    if (r.kind === 'upload' && released && BAD_OUTCOMES.has(status))
      events.push({ at, version: released, kind: 'bad' });
    if (r.kind === 'upload' && released && GOOD_OUTCOMES.has(status))
      events.push({ at, version: released, kind: 'good' });
    const c = r.command;
    const before = c?.before as { primary?: string; candidate?: { version: string } } | undefined;
    const after = (c?.after as { primary?: string } | undefined)?.primary;
    if (!c || !after) continue;
    const when = r.weights.at(-1)?.at ?? at;
    if (c.command === 'promote') events.push({ at: when, version: after, kind: 'good' });
    if (c.command === 'abort' && before?.candidate)
      events.push({ at: when, version: before.candidate.version, kind: 'bad' });
    if (c.command === 'rollback') {
      if (before?.primary && before.primary !== after)
        events.push({ at: when, version: before.primary, kind: 'bad' });
      if (before?.candidate && before.candidate.version !== after)
        events.push({ at: when, version: before.candidate.version, kind: 'bad' });
      if (c.version) events.push({ at: when, version: after, kind: 'good' });
    }
  }
  return events;
}

/**
 * Where `rollback` goes without a version: back through the versions that served as primary, newest
 * first, to the first one that is not `current` and whose latest verdict is not `bad`. So two
 * rollbacks in a row walk back two steps (the first marks the version it left bad), and a
 * rejected, aborted or rolled-back candidate is never made live by a plain rollback.
 */
export function rollbackTarget(events: VersionEvent[], current: string): string | undefined {
  const ordered = [...events].sort((a, b) => a.at.localeCompare(b.at));
  const verdict = new Map<string, VersionEvent['kind']>();
  for (const e of ordered) if (e.kind !== 'live') verdict.set(e.version, e.kind);
  for (const e of ordered.reverse()) {
    if (e.kind === 'live' && e.version !== current && verdict.get(e.version) !== 'bad') return e.version;
  }
  return undefined;
}
