import { describe, expect, it } from 'vitest';
import {
  type LiveAlias,
  readAliasNote,
  startedLater,
  writeAliasNote,
} from '../../functions/rollout/shared/alias-note.js';
import type { RunningExecution } from '../../functions/rollout/shared/executions.js';
import {
  addGate,
  addWeightChange,
  lineageKey,
  newLineage,
  patchLineage,
  withOutcome,
} from '../../functions/rollout/shared/lineage.js';
import { decideCommand } from '../../functions/rollout/traffic/commands.js';
import { chooseSuperseded } from '../../functions/rollout/traffic/supersede.js';

const run = (name: string, started: number, kind: 'upload' | 'command' = 'upload'): RunningExecution => ({
  arn: `arn:aws:states:us-east-1:1:execution:sm:${name}`,
  name,
  started,
  kind,
});
const me = { name: 'b', arn: 'arn:aws:states:us-east-1:1:execution:sm:b', started: 2000 };

describe('supersede rule', () => {
  it('stops every earlier running upload, never commands', () => {
    const choice = chooseSuperseded(me, [run('a', 1000), run('b', 2000), run('cmd', 500, 'command')], {});
    expect(choice).toEqual({ superseded: false, stop: [run('a', 1000)] });
  });

  it('gives way to a later running upload', () => {
    const choice = chooseSuperseded(me, [run('a', 1000), run('c', 3000)], {});
    expect(choice).toMatchObject({ superseded: true, by: 'c' });
  });

  it('orders equal start times by execution name', () => {
    expect(chooseSuperseded(me, [run('a', 2000)], {})).toMatchObject({ superseded: false });
    expect(chooseSuperseded(me, [run('c', 2000)], {})).toMatchObject({ superseded: true, by: 'c' });
  });

  it('gives way when a later upload already claimed the alias (watermark), even if it finished', () => {
    expect(chooseSuperseded(me, [], { owner: 'c', started: 3000 })).toMatchObject({
      superseded: true,
      by: 'c',
    });
    expect(chooseSuperseded(me, [], { owner: 'a', started: 1000 })).toEqual({ superseded: false, stop: [] });
    expect(chooseSuperseded(me, [], { owner: 'b', started: 2000 })).toEqual({ superseded: false, stop: [] });
  });
});

describe('alias note', () => {
  it('round-trips and fits the 256-character Description', () => {
    const note = { owner: 'x'.repeat(80), started: Date.UTC(2026, 0, 1), previous: '12' };
    const text = writeAliasNote(note);
    expect(text.length).toBeLessThanOrEqual(256);
    expect(readAliasNote(text)).toEqual(note);
  });

  it('reads anything else as no state', () => {
    expect(readAliasNote(undefined)).toEqual({});
    expect(readAliasNote('hand-written')).toEqual({});
    expect(readAliasNote('{"previous":"abc"}')).toEqual({});
  });

  it('orders by start time then name', () => {
    expect(startedLater({ started: 2, name: 'a' }, { started: 1, name: 'z' })).toBe(true);
    expect(startedLater({ started: 1, name: 'b' }, { started: 1, name: 'a' })).toBe(true);
    expect(startedLater({ started: 1, name: 'a' }, { started: 1, name: 'a' })).toBe(false);
  });
});

const live = (primary: string, candidate?: [string, number], note = {}): LiveAlias => ({
  primary,
  ...(candidate ? { candidate: { version: candidate[0], weight: candidate[1] } } : {}),
  revisionId: 'r1',
  note,
});

describe('commands', () => {
  const owned = { owner: 'up-1', started: 5, previous: '3' };

  it('promote: candidate becomes primary, the old primary becomes previous, the owner is named', () => {
    const e = decideCommand({ command: 'promote' }, live('4', ['5', 0.1], owned));
    expect(e.write).toEqual({ primary: '5', note: { owner: 'up-1', started: 5, previous: '4' } });
    expect(e.owner).toBe('up-1');
    expect(e.ownerOutcome).toBe('promoted');
  });

  it('abort: removes the weight and keeps primary and previous', () => {
    const e = decideCommand({ command: 'abort' }, live('4', ['5', 0.5], owned));
    expect(e.write).toEqual({ primary: '4', note: owned });
    expect(e.ownerOutcome).toBe('aborted');
  });

  it('rollback: to the recorded previous version by default, or to the given one', () => {
    expect(decideCommand({ command: 'rollback' }, live('4', undefined, owned)).write).toEqual({
      primary: '3',
      note: { owner: 'up-1', started: 5, previous: '4' },
    });
    expect(
      decideCommand({ command: 'rollback', version: '2' }, live('4', undefined, owned)).write.primary,
    ).toBe('2');
    // During a canary, rolling back to the primary itself clears the candidate.
    const e = decideCommand({ command: 'rollback', version: '4' }, live('4', ['5', 0.1], owned));
    expect(e.write.primary).toBe('4');
    expect(e.write.candidate).toBeUndefined();
    expect(e.ownerOutcome).toBe('rolled-back');
  });

  it.each([
    ['promote', live('4', undefined, owned), /nothing to promote/],
    ['abort', live('4', undefined, owned), /nothing to abort/],
    ['rollback', live('4'), /no previous version is recorded/],
    ['rollback', live('3', undefined, owned), /already live/],
    ['promote', undefined, /does not exist yet/],
  ] as const)('%s fails with NothingToDo when there is nothing to do', (command, alias, message) => {
    expect(() => decideCommand({ command }, alias)).toThrow(message);
    try {
      decideCommand({ command }, alias);
    } catch (err) {
      expect((err as Error).name).toBe('NothingToDo');
    }
  });
});

describe('lineage', () => {
  it('accumulates weight changes and gates and keeps the latest outcome', () => {
    let r = newLineage('exec-1', 'upload', '2026-01-01T00:00:00.000Z');
    expect(lineageKey('exec-1')).toBe('rollouts/exec-1.json');
    r = patchLineage(r, '2026-01-01T00:00:01.000Z', { model: { bucket: 'b', key: 'm.onnx', sha256: 'ab' } });
    r = addWeightChange(r, { at: 't1', primary: '1', candidate: '2', weight: 0.1, reason: 'step 1 of 1' });
    r = addGate(r, { at: 't2', step: 0, weight: 0.1, decision: 'pass', reasons: ['ok'], evidence: { n: 1 } });
    r = addWeightChange(r, { at: 't3', primary: '2', weight: 1, reason: 'finished: 100 %' });
    r = withOutcome(r, 't4', { status: 'completed' });
    expect(r.weights.map((w) => w.weight)).toEqual([0.1, 1]);
    expect(r.gates).toHaveLength(1);
    expect(r.outcome).toEqual({ status: 'completed', at: 't4' });
    expect(r.updatedAt).toBe('t4');
    expect(r.model?.key).toBe('m.onnx');
  });
});
