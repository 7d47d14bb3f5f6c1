import type { AliasNote, LiveAlias } from '../shared/alias-note.js';
import { NothingToDoError } from '../shared/errors.js';
import type { LiveWrite } from '../shared/live-alias.js';
import type { Command } from '../shared/state.js';

/**
 * What a command does to alias `live`, decided from the alias alone (pure):
 * - promote: the candidate becomes primary with no extra weight; requires a candidate weight.
 * - abort: the candidate's weight is removed; requires a candidate weight.
 * - rollback [N]: N (default: the note's `previous`) becomes primary with no extra weight;
 *   requires N to differ from what is served now.
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

export function decideCommand(command: Command, live: LiveAlias | undefined): CommandEffect {
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
      const target = command.version ?? live.note.previous;
      if (!target) {
        throw new NothingToDoError(
          'no previous version is recorded on alias live; pass {"command":"rollback","version":"N"}',
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
