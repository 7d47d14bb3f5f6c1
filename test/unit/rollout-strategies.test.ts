import { describe, expect, it } from 'vitest';
import { STRATEGIES, STRATEGY_NAMES, strategyNamed } from '../../functions/rollout/strategies/index.js';
import { MAX_LINEAR_STEPS } from '../../functions/rollout/strategies/linear.js';
import { roundWeight } from '../../functions/rollout/strategies/parameters.js';
import type { ParameterDefaults } from '../../functions/rollout/strategies/strategy.js';
import { trafficPlanSchema } from '../../functions/rollout/strategies/strategy.js';

const defaults: ParameterDefaults = {
  weight: 0.1,
  intervalSeconds: 300,
  step: 0.1,
  maxIntervalSeconds: 3600,
};

/** Parameters from metadata strings, then the plan: what parseRolloutMetadata does per strategy. */
function plan(name: (typeof STRATEGY_NAMES)[number], metadata: Record<string, string> = {}) {
  const strategy = strategyNamed(name);
  return strategy.plan(strategy.parameters(defaults).parse(metadata));
}

describe('rollout strategies', () => {
  it('registers each strategy once, by name', () => {
    expect(STRATEGY_NAMES).toEqual(['all-at-once', 'canary', 'linear', 'ab', 'steps']);
    expect(new Set(STRATEGIES.map((s) => s.name)).size).toBe(STRATEGIES.length);
  });

  it('all-at-once: no weights before 100 %', () => {
    expect(plan('all-at-once', { weight: '0.5', interval: '9' })).toEqual({
      schedule: [],
      intervalSeconds: 0,
      hold: false,
    });
  });

  it('canary: one weight baked for the interval; defaults from the deployment', () => {
    expect(plan('canary')).toEqual({ schedule: [0.1], intervalSeconds: 300, hold: false });
    expect(plan('canary', { weight: '0.3', interval: '5' })).toEqual({
      schedule: [0.3],
      intervalSeconds: 5,
      hold: false,
    });
  });

  it('ab: one weight, held', () => {
    expect(plan('ab', { weight: '0.5' })).toEqual({ schedule: [0.5], intervalSeconds: 0, hold: true });
    expect(plan('ab').schedule).toEqual([defaults.weight]);
  });

  it('linear: step alone sets the first weight, weight alone sets the step', () => {
    expect(plan('linear', { step: '0.25' }).schedule).toEqual([0.25, 0.5, 0.75]);
    expect(plan('linear', { weight: '0.3' }).schedule).toEqual([0.3, 0.6, 0.9]);
    expect(plan('linear', { weight: '0.1', step: '0.3', interval: '7' })).toEqual({
      schedule: [0.1, 0.4, 0.7],
      intervalSeconds: 7,
      hold: false,
    });
    expect(plan('linear').schedule).toHaveLength(9);
  });

  it('linear: rounds so repeated steps do not drift, and never schedules 100 %', () => {
    expect(plan('linear', { step: '0.1' }).schedule).toEqual([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]);
    expect(roundWeight(0.1 + 0.2)).toBe(0.3);
    for (const [weight, step] of [
      ['0.5', '0.5'],
      ['0.2', '0.4'],
      ['0.99', '0.01'],
    ] as const) {
      const steps = plan('linear', { weight, step }).schedule;
      expect(steps.every((x) => x > 0 && x < 1)).toBe(true);
      expect(steps.length).toBeLessThanOrEqual(MAX_LINEAR_STEPS);
    }
  });

  it('linear: at most MAX_LINEAR_STEPS steps', () => {
    expect(plan('linear', { weight: '0.01', step: '0.0198' }).schedule).toHaveLength(MAX_LINEAR_STEPS);
    expect(() => plan('linear', { weight: '0.01', step: '0.0195' })).toThrow(/needs more than 50 steps/);
  });

  it('steps: the listed percentages as fractions, each baked, then 100 %', () => {
    expect(plan('steps', { weights: '5:25:50', interval: '30' })).toEqual({
      schedule: [0.05, 0.25, 0.5],
      intervalSeconds: 30,
      hold: false,
    });
    expect(plan('steps', { weights: ' 2.5:99.5 ' }).schedule).toEqual([0.025, 0.995]);
    expect(plan('steps', { weights: '50' })).toEqual({ schedule: [0.5], intervalSeconds: 300, hold: false });
  });

  it.each([
    [{}, /weights is required/],
    [{ weights: '' }, /percentages separated by colons/],
    [{ weights: '5:25:' }, /percentages separated by colons/],
    [{ weights: '5%:25%' }, /percentages separated by colons/],
    [{ weights: '0:25' }, /0 is not a percentage 0 < p < 100/],
    [{ weights: '5:100' }, /100 is not a percentage/],
    [{ weights: '5:5' }, /strictly increasing: 5 after 5/],
    [{ weights: '5:25:10' }, /strictly increasing: 10 after 25/],
    [{ weights: '5:5.0000001' }, /strictly increasing/],
    [{ weights: '5', interval: '7200' }, /interval must be ≤ 3600/],
  ])('steps rejects %o', (metadata, reason) => {
    expect(() => plan('steps', metadata)).toThrow(reason);
  });

  it('steps: at most MAX_LINEAR_STEPS weights', () => {
    const list = (n: number) => Array.from({ length: n }, (_, i) => i + 1).join(':');
    expect(plan('steps', { weights: list(MAX_LINEAR_STEPS) }).schedule).toHaveLength(MAX_LINEAR_STEPS);
    expect(() => plan('steps', { weights: list(MAX_LINEAR_STEPS + 1) })).toThrow(/51 steps; at most 50/);
  });

  it('every plan is a valid traffic plan: weights strictly between 0 and 1, increasing', () => {
    for (const name of STRATEGY_NAMES) {
      const p = plan(name, { weights: '10:20' });
      expect(trafficPlanSchema.parse(p)).toEqual(p);
      expect(p.schedule.every((w, i) => i === 0 || w > (p.schedule[i - 1] ?? 0))).toBe(true);
    }
  });
});
