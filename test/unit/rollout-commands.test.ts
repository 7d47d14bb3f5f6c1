import { describe, expect, it } from 'vitest';
import type { LiveAlias } from '../../functions/rollout/shared/alias-note.js';
import type { LineageRecord } from '../../functions/rollout/shared/lineage.js';
import {
  decideCommand,
  rollbackTarget,
  type VersionEvent,
  versionEvents,
} from '../../functions/rollout/traffic/commands.js';

/**
 * The rollback rule (pure): a plain rollback walks back through the versions that served live,
 * never landing on one that was rejected, aborted or rolled back — unless `version` names it.
 */

const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const live = (v: string, at: number): VersionEvent => ({ at: t(at), version: v, kind: 'live' });
const bad = (v: string, at: number): VersionEvent => ({ at: t(at), version: v, kind: 'bad' });
const good = (v: string, at: number): VersionEvent => ({ at: t(at), version: v, kind: 'good' });
const alias = (primary: string, candidate?: [string, number]): LiveAlias => ({
  primary,
  ...(candidate ? { candidate: { version: candidate[0], weight: candidate[1] } } : {}),
  revisionId: 'r',
  note: { owner: 'up', started: 1, previous: '2' },
});

function record(p: Partial<LineageRecord> & Pick<LineageRecord, 'execution' | 'kind'>): LineageRecord {
  return {
    schemaVersion: 1,
    startedAt: t(0),
    updatedAt: t(0),
    weights: [],
    gates: [],
    outcome: { status: 'completed', at: t(0) },
    ...p,
  };
}

describe('rollbackTarget', () => {
  it('goes to the newest earlier live version', () => {
    expect(rollbackTarget([live('1', 1), live('2', 2), live('3', 3)], '3')).toBe('2');
  });

  it('two rollbacks in a row walk back two steps: the version left behind is rolled back', () => {
    const history = [live('1', 1), live('2', 2), live('3', 3)];
    const first = rollbackTarget(history, '3');
    expect(first).toBe('2');
    // What the first rollback's lineage adds: 3 rolled back, 2 live.
    const after = [...history, bad('3', 4), live('2', 4)];
    expect(rollbackTarget(after, '2')).toBe('1');
  });

  it('never lands on a rejected, aborted or rolled-back version', () => {
    // 2 served as primary while an aborted A/B candidate 3 held weight; 3 was never primary, but
    // a later rollback must not choose it either way.
    const history = [live('1', 1), live('2', 2), live('2', 3), bad('3', 4), live('2', 4), live('4', 5)];
    expect(rollbackTarget(history, '4')).toBe('2');
    expect(rollbackTarget([...history, bad('2', 6)], '4')).toBe('1');
    expect(rollbackTarget([live('1', 1), bad('1', 2), live('2', 3)], '2')).toBeUndefined();
  });

  it('a version made live again on purpose (rollback --to, a completed re-upload) is fit again', () => {
    expect(
      rollbackTarget(
        [live('1', 1), live('2', 2), bad('2', 3), live('1', 3), good('2', 4), live('2', 4)],
        '2',
      ),
    ).toBe('1');
    expect(
      rollbackTarget(
        [live('2', 1), bad('2', 2), live('1', 2), good('2', 3), live('2', 3), live('3', 4)],
        '3',
      ),
    ).toBe('2');
  });
});

describe('versionEvents from lineage records', () => {
  it('live from every weight change; bad from rejected, aborted and rolled-back outcomes and from commands', () => {
    const records = [
      record({
        execution: 'v2',
        kind: 'upload',
        release: { version: '2', pinnedKey: 'p', reused: false },
        weights: [{ at: t(1), primary: '2', weight: 1, reason: 'finished' }],
        outcome: { status: 'completed', at: t(1) },
      }),
      record({
        execution: 'ab',
        kind: 'upload',
        release: { version: '3', pinnedKey: 'p', reused: false },
        weights: [{ at: t(2), primary: '2', candidate: '3', weight: 0.5, reason: 'held' }],
        outcome: { status: 'aborted', at: t(3), by: 'stop' },
      }),
      record({
        execution: 'rb',
        kind: 'command',
        command: {
          command: 'rollback',
          before: { primary: '4', candidate: { version: '5', weight: 0.1 } },
          after: { primary: '2' },
        },
        weights: [{ at: t(5), primary: '2', weight: 0, reason: 'rollback command' }],
      }),
    ];
    expect(versionEvents(records)).toEqual(
      expect.arrayContaining([
        live('2', 1),
        good('2', 1),
        bad('3', 3),
        live('2', 5),
        bad('4', 5),
        bad('5', 5),
      ]),
    );
  });
});

describe('decideCommand rollback with the lineage history', () => {
  it('defaults to rollbackTarget, not to the note', () => {
    const history = [live('1', 1), live('2', 2), live('3', 3), bad('3', 4), live('2', 4)];
    expect(decideCommand({ command: 'rollback' }, alias('2'), history).write.primary).toBe('1');
  });

  it('--to names any version, even a rolled-back one', () => {
    const history = [live('1', 1), live('3', 3), bad('3', 4), live('1', 4)];
    expect(decideCommand({ command: 'rollback', version: '3' }, alias('1'), history).write.primary).toBe('3');
  });

  it('NothingToDo when every earlier version is unfit', () => {
    const history = [live('1', 1), bad('1', 2), live('2', 2)];
    expect(() => decideCommand({ command: 'rollback' }, alias('2'), history)).toThrow(
      /no earlier live version is fit/,
    );
  });
});
