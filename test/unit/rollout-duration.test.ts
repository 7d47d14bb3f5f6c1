import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseTrafficConfig } from '../../functions/rollout/traffic/config.js';
import { assertFitsExecution, worstCaseSeconds } from '../../functions/rollout/traffic/duration.js';
import { parseRolloutMetadata } from '../../functions/rollout/traffic/metadata.js';
import { ROLLOUT_EXECUTION_TIMEOUT_SECONDS } from '../../system/manifest.js';

/** The AWS defaults: 180 s metric delay, 3 extensions per gate, intervals up to an hour. */
const aws = parseTrafficConfig({});
const plan = (metadata: Record<string, string>) => parseRolloutMetadata(metadata, aws.defaults);

describe('a rollout must fit in its execution (an execution timeout cannot be caught)', () => {
  it('the manifest states the ASL’s TimeoutSeconds', () => {
    const asl = JSON.parse(
      readFileSync(new URL('../../statemachines/model-rollout.asl.json', import.meta.url), 'utf8'),
    );
    expect(asl.TimeoutSeconds).toBe(ROLLOUT_EXECUTION_TIMEOUT_SECONDS);
  });

  it('accepts the default canary and a modest linear rollout', () => {
    expect(() => assertFitsExecution(plan({ rollout: 'canary' }), aws)).not.toThrow();
    expect(() =>
      assertFitsExecution(plan({ rollout: 'linear', step: '0.25', interval: '600' }), aws),
    ).not.toThrow();
    expect(() => assertFitsExecution(plan({ rollout: 'ab', weight: '0.5' }), aws)).not.toThrow();
  });

  it('refuses a linear schedule that could outlast 24 h, naming the figure', () => {
    const long = plan({ rollout: 'linear', step: '0.02', interval: '3600' });
    expect(worstCaseSeconds(long, aws)).toBeGreaterThan(ROLLOUT_EXECUTION_TIMEOUT_SECONDS);
    expect(() => assertFitsExecution(long, aws)).toThrow(
      expect.objectContaining({
        name: 'BadRolloutRequest',
        message: expect.stringMatching(/longer than a rollout may run \(24\.0 h\)/),
      }),
    );
  });

  it('counts the metric delay and the extensions, not only the intervals', () => {
    // 20 steps × 1 h = 20 h of bakes alone would fit; with delay and extensions it does not.
    const twenty = plan({
      rollout: 'steps',
      weights: Array.from({ length: 20 }, (_, i) => i * 4 + 4).join(':'),
      interval: '3600',
    });
    expect(20 * 3600).toBeLessThan(ROLLOUT_EXECUTION_TIMEOUT_SECONDS);
    expect(() => assertFitsExecution(twenty, aws)).toThrow(/could take/);
  });
});
