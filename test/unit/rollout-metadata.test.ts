import { describe, expect, it } from 'vitest';
import { parseRolloutMetadata, type RolloutDefaults } from '../../functions/rollout/traffic/metadata.js';

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
      parameters: { weight: 0.1, interval: 300 },
      schedule: [0.1],
      intervalSeconds: 300,
      hold: false,
    });
  });

  it('reads the chosen strategy’s keys, case-insensitively, and ignores others', () => {
    const r = parseRolloutMetadata(
      { Rollout: 'Canary', WEIGHT: '0.25', interval: '30', author: 'x', weights: '1:2' },
      defaults,
    );
    expect(r).toEqual({
      strategy: 'canary',
      parameters: { weight: 0.25, interval: 30 },
      schedule: [0.25],
      intervalSeconds: 30,
      hold: false,
    });
  });

  it('falls back to the deployment’s default strategy', () => {
    const r = parseRolloutMetadata({ weights: '5:25:50' }, { ...defaults, rollout: 'steps' });
    expect(r).toMatchObject({ strategy: 'steps', schedule: [0.05, 0.25, 0.5] });
  });

  it.each([
    [
      { rollout: 'blue-green' },
      /^invalid rollout metadata: rollout: rollout must be one of all-at-once, canary, linear, ab, steps$/,
    ],
    [{ weight: '0' }, /for canary: weight: weight must be > 0/],
    [{ weight: '1' }, /weight must be < 1/],
    [{ weight: '10' }, /weight must be < 1/],
    [{ weight: '10%' }, /weight must be a decimal fraction/],
    [{ weight: '' }, /weight must be a decimal fraction/],
    [{ weight: '0x1' }, /weight must be a decimal fraction/],
    [{ interval: '-5' }, /interval: interval must be whole seconds/],
    [{ interval: '1.5' }, /interval must be whole seconds/],
    [{ interval: '7200' }, /interval must be ≤ 3600 seconds/],
    [{ rollout: 'ab', weight: '2' }, /for ab: weight: weight must be < 1/],
    [
      { rollout: 'linear', step: '0.001' },
      /for linear: step: linear rollout from 0.001 by 0.001 needs more than 50 steps/,
    ],
    [{ rollout: 'steps' }, /for steps: weights: weights is required/],
    [{ rollout: 'steps', weights: '5,25' }, /weights: weights must be percentages separated by colons/],
    [{ rollout: 'steps', weights: '5:100' }, /weights: 100 is not a percentage 0 < p < 100/],
    [{ rollout: 'steps', weights: '25:5' }, /weights must be strictly increasing: 5 after 25/],
  ])('rejects %o with a reason naming the key', (metadata, reason) => {
    let error: unknown;
    try {
      parseRolloutMetadata(metadata, defaults);
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ name: 'BadRolloutRequest', message: expect.stringMatching(reason) });
  });
});
