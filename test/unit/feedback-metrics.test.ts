import { describe, expect, it } from 'vitest';
import { outcomeLine } from '../../functions/feedback/outcome-metrics.js';
import { TARGETS } from '../../functions/shared/contract.js';
import { NOISE_FLOOR_RMSE } from '../../functions/shared/noise-floor.js';
import { parseEmf } from '../../local-cloud/cloudwatch/emf.js';
import { METRICS } from '../../system/manifest.js';

const PREDICTED = [120, 30, 110, 50, 50, 0, -10];
const AT = 1_760_000_000_000;

function line(final: Parameters<typeof outcomeLine>[0]['final'], servedVersion = '4') {
  return outcomeLine({
    servedVersion,
    modelSha256Prefix: 'ab'.repeat(8),
    predicted: PREDICTED,
    final,
    timestampMs: AT,
  });
}

/** metric name → values, as CloudWatch Logs extracts them. */
function extracted(text: string) {
  const points = parseEmf(text.trimEnd());
  return { points, byName: Object.fromEntries(points.map((p) => [p.metric, p.values])) };
}

describe('outcome EMF line', () => {
  it('one JSON line, one document, ending in a newline', () => {
    const text = line({ seat_position: 130 }) as string;
    expect(text.endsWith('\n')).toBe(true);
    expect(text.indexOf('\n')).toBe(text.length - 1);
    expect(() => JSON.parse(text)).not.toThrow();
  });

  it('per given target |error| and error², per feedback the mean normalised error and its square', () => {
    const { byName } = extracted(line({ seat_position: 130, mirror_pan: -16 }) as string);
    const norm = (10 / NOISE_FLOOR_RMSE.seat_position + 6 / NOISE_FLOOR_RMSE.mirror_pan) / 2;
    expect(byName).toEqual({
      [METRICS.outcomes.absError('seat_position')]: [10],
      [METRICS.outcomes.sqError('seat_position')]: [100],
      [METRICS.outcomes.absError('mirror_pan')]: [6],
      [METRICS.outcomes.sqError('mirror_pan')]: [36],
      [METRICS.outcomes.normError]: [norm],
      [METRICS.outcomes.normSqError]: [norm * norm],
    });
  });

  it('namespace Hypermob, exactly the dimension set [FunctionVersion] = the serving version, the feedback time', () => {
    const { points } = extracted(line({ seat_angle: 107.5 }, '$LATEST') as string);
    expect(points).toHaveLength(4);
    for (const p of points) {
      expect(p.namespace).toBe(METRICS.namespace);
      expect(p.dimensions).toEqual({ [METRICS.dimensions.functionVersion]: '$LATEST' });
      expect(p.timestampMs).toBe(AT);
    }
  });

  it('every target in TARGETS order: a perfect recommendation scores zero everywhere', () => {
    const final = Object.fromEntries(TARGETS.map((t, i) => [t, PREDICTED[i] as number]));
    const { byName } = extracted(line(final) as string);
    expect(Object.keys(byName)).toHaveLength(2 * TARGETS.length + 2);
    for (const values of Object.values(byName)) expect(values).toEqual([0]);
  });

  it('a target k noise floors off contributes k to the mean', () => {
    const { byName } = extracted(
      line({
        seat_height: 30 + 2 * NOISE_FLOOR_RMSE.seat_height,
        steering_reach: 50 - 4 * NOISE_FLOOR_RMSE.steering_reach,
      }) as string,
    );
    expect(byName[METRICS.outcomes.normError]?.[0]).toBeCloseTo(3, 12);
    expect(byName[METRICS.outcomes.normSqError]?.[0]).toBeCloseTo(9, 12);
  });

  it('nothing to write without a target', () => {
    expect(line({})).toBeUndefined();
  });
});
