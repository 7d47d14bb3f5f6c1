import { describe, expect, it } from 'vitest';
import { parseRolloutMetadata, type RolloutDefaults } from '../../functions/rollout/traffic/metadata.js';
import { MAX_LINEAR_STEPS, roundWeight, weightSchedule } from '../../functions/rollout/traffic/schedule.js';

const defaults: RolloutDefaults = {
  rollout: 'canary',
  weight: 0.1,
  intervalSeconds: 300,
  step: 0.1,
  maxIntervalSeconds: 3600,
};

describe('rollout metadata', () => {
  it('takes every default when the upload has no metadata', () => {
    expect(parseRolloutMetadata({}, defaults)).toEqual({
      strategy: 'canary',
      weight: 0.1,
      intervalSeconds: 300,
      step: 0.1,
      schedule: [0.1],
    });
  });

  it('reads the documented keys, case-insensitively, and ignores others', () => {
    const r = parseRolloutMetadata(
      { Rollout: 'Canary', WEIGHT: '0.25', interval: '30', author: 'x' },
      defaults,
    );
    expect(r).toMatchObject({ strategy: 'canary', weight: 0.25, intervalSeconds: 30, schedule: [0.25] });
  });

  it('plans all-at-once without steps and ab with one held weight', () => {
    expect(parseRolloutMetadata({ rollout: 'all-at-once' }, defaults).schedule).toEqual([]);
    expect(parseRolloutMetadata({ rollout: 'ab', weight: '0.5' }, defaults).schedule).toEqual([0.5]);
  });

  it('linear: step alone sets the first weight, weight alone sets the step', () => {
    expect(parseRolloutMetadata({ rollout: 'linear', step: '0.25' }, defaults).schedule).toEqual([
      0.25, 0.5, 0.75,
    ]);
    expect(parseRolloutMetadata({ rollout: 'linear', weight: '0.3' }, defaults).schedule).toEqual([
      0.3, 0.6, 0.9,
    ]);
    expect(
      parseRolloutMetadata({ rollout: 'linear', weight: '0.1', step: '0.3' }, defaults).schedule,
    ).toEqual([0.1, 0.4, 0.7]);
    expect(parseRolloutMetadata({ rollout: 'linear' }, defaults).schedule).toHaveLength(9);
  });

  it.each([
    [{ rollout: 'blue-green' }, /rollout must be one of all-at-once, canary, linear, ab/],
    [{ weight: '0' }, /weight must be > 0/],
    [{ weight: '1' }, /weight must be < 1/],
    [{ weight: '10' }, /weight must be < 1/],
    [{ weight: '10%' }, /weight must be a decimal fraction/],
    [{ weight: '' }, /weight must be a decimal fraction/],
    [{ weight: '0x1' }, /weight must be a decimal fraction/],
    [{ interval: '-5' }, /interval must be whole seconds/],
    [{ interval: '1.5' }, /interval must be whole seconds/],
    [{ interval: '7200' }, /interval must be ≤ 3600 seconds/],
    [{ rollout: 'linear', step: '0.001' }, /more than 50 steps/],
  ])('rejects %o with a clear reason', (metadata, reason) => {
    expect(() => parseRolloutMetadata(metadata, defaults)).toThrow(reason);
    try {
      parseRolloutMetadata(metadata, defaults);
    } catch (err) {
      expect((err as Error).name).toBe('BadRolloutRequest');
    }
  });
});

describe('weight schedule', () => {
  it('rounds so repeated steps do not drift', () => {
    expect(weightSchedule('linear', 0.1, 0.1)).toEqual([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]);
    expect(roundWeight(0.1 + 0.2)).toBe(0.3);
  });

  it('never schedules 100 % as a step (the finish does that)', () => {
    for (const [w, s] of [
      [0.5, 0.5],
      [0.2, 0.4],
      [0.99, 0.01],
    ] as const) {
      const steps = weightSchedule('linear', w, s);
      expect(steps.every((x) => x > 0 && x < 1)).toBe(true);
      expect(steps.length).toBeLessThanOrEqual(MAX_LINEAR_STEPS);
    }
  });
});
