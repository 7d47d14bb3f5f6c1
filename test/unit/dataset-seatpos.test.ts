import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FEATURES } from '../../functions/shared/contract.js';
import {
  parseSeatpos,
  readSeatpos,
  SEATPOS_CSV_URL,
  seatposCheck,
  upperArmFromStature,
} from '../../functions/shared/seatpos.js';
import { pearson } from '../../functions/shared/stats.js';

// The committed functions/shared/data/seatpos.csv (the gate reads the bucket's copy of it).
const SEATPOS = readSeatpos();

describe('seatpos (UMTRI, 38 real drivers)', () => {
  it('maps every driver to the six features in FEATURES order (docs/domain.md §5)', () => {
    expect(SEATPOS.rows).toHaveLength(38);
    expect(SEATPOS.hipcenter).toHaveLength(38);
    const first = SEATPOS.rows[0] as number[];
    expect(first).toHaveLength(FEATURES.length);
    // Driver 1: Ht 184.9, Seated 95.2, Arm 36.1, Thigh 45.3, Leg 41.3, hipcenter −206.3.
    const byName = Object.fromEntries(FEATURES.map((f, i) => [f, first[i]]));
    expect(byName.height).toBe(184.9);
    expect(byName.forearm).toBe(36.1);
    expect(byName.thigh).toBe(45.3);
    expect(byName.calf).toBe(41.3);
    expect(byName.torso).toBeCloseTo(95.2 - 0.18 * 184.9, 9);
    expect(byName.upper_arm).toBeCloseTo(upperArmFromStature(184.9), 9);
    expect(SEATPOS.hipcenter[0]).toBe(-206.3);
  });

  it('takes upper_arm as the mean of the men and women ANSUR II regressions', () => {
    const men = (-20.9 + 0.2028 * 1750) / 10;
    const women = (-34.0 + 0.212 * 1750) / 10;
    expect(upperArmFromStature(175)).toBeCloseTo((men + women) / 2, 9);
  });

  it('lets stature alone reach |r| ≈ 0.8 with hip position (the mapping is sane)', () => {
    const height = SEATPOS.rows.map((r) => r[0] as number);
    expect(pearson(height, SEATPOS.hipcenter)).toBeLessThan(-0.75);
    const check = seatposCheck((rows) => rows.map((r) => r[0] as number), SEATPOS);
    expect(check.n).toBe(38);
    expect(check.r).toBeGreaterThan(0.75);
    expect(check.r).toBeLessThan(0.85);
  });

  it('gives a negative r to a model that puts tall drivers forward', () => {
    expect(seatposCheck((rows) => rows.map((r) => -(r[0] as number)), SEATPOS).r).toBeLessThan(-0.75);
  });

  it('rejects a file without the columns it needs', () => {
    expect(() => parseSeatpos('id,Ht\n1,170\n')).toThrow(/Seated/);
    expect(() => parseSeatpos(readFileSync(SEATPOS_CSV_URL, 'utf8').replace('184.9', 'x'))).toThrow(/bad Ht/);
  });
});

describe('pearson', () => {
  it('is +1/−1 for exact linear relations and NaN without variance', () => {
    expect(pearson([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 12);
    expect(pearson([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12);
    expect(pearson([1, 1, 1], [1, 2, 3])).toBeNaN();
  });

  it('matches a hand computation and rejects unequal lengths', () => {
    // x = [1,2,3,4], y = [1,3,2,4]: Sxy = 4, Sxx = Syy = 5 → r = 0.8.
    expect(pearson([1, 2, 3, 4], [1, 3, 2, 4])).toBeCloseTo(0.8, 12);
    expect(() => pearson([1, 2], [1])).toThrow(/lengths/);
  });
});
