import { describe, expect, it } from 'vitest';
import { pearson } from '../../functions/shared/stats.js';
import { PARAMETERS, SEGMENTS, type Sex } from '../../scripts/dataset/anthropometry.js';
import { generateRows } from '../../scripts/dataset/generate.js';
import { createRng } from '../../scripts/dataset/prng.js';

// One large sample shared by the checks of docs/domain.md §2 and §4; the tolerances are several
// standard errors wide at this size, and the seed is fixed, so the tests are deterministic.
const rows = generateRows(createRng(2024), 20_000);
const bySex = (sex: Sex) => rows.filter((r) => r.person.sex === sex).map((r) => r.person);

function mean(v: readonly number[]): number {
  return v.reduce((s, x) => s + x, 0) / v.length;
}
function sd(v: readonly number[]): number {
  const m = mean(v);
  return Math.sqrt(mean(v.map((x) => (x - m) ** 2)));
}
function slope(x: readonly number[], y: readonly number[]): number {
  return pearson(x, y) * (sd(y) / sd(x));
}

describe.each(['male', 'female'] as const)('§2 body sizes, %s', (sex) => {
  const people = bySex(sex);
  const p = PARAMETERS[sex];
  const stature = people.map((q) => q.stature);

  it('has the ANSUR II stature mean and SD', () => {
    expect(Math.abs(mean(stature) - p.stature.mean)).toBeLessThan(3);
    expect(sd(stature) / p.stature.sd).toBeGreaterThan(0.96);
    expect(sd(stature) / p.stature.sd).toBeLessThan(1.04);
  });

  it.each(SEGMENTS)('regresses %s on stature with the §2 slope and residual SD', (seg) => {
    const y = people.map((q) => q.segments[seg]);
    expect(Math.abs(slope(stature, y) - p.segments[seg].b)).toBeLessThan(0.015);
    expect(sd(people.map((q) => q.residuals[seg])) / p.segments[seg].sd).toBeGreaterThan(0.95);
    expect(sd(people.map((q) => q.residuals[seg])) / p.segments[seg].sd).toBeLessThan(1.05);
  });

  it('reproduces the residual correlations (limbs positive, torso negative)', () => {
    SEGMENTS.forEach((a, i) => {
      SEGMENTS.forEach((b, j) => {
        if (j <= i) return;
        const r = pearson(
          people.map((q) => q.residuals[a]),
          people.map((q) => q.residuals[b]),
        );
        const expected = p.correlation[i]?.[j] as number;
        expect(Math.sign(r)).toBe(Math.sign(expected));
        expect(Math.abs(r - expected)).toBeLessThan(0.05);
      });
    });
  });

  it('has the §2 sitting-height ratio, tied to the torso residual', () => {
    const shs = people.map((q) => q.shs);
    expect(Math.abs(mean(shs) - p.shs.mean)).toBeLessThan(0.0005);
    expect(Math.abs(sd(shs) - p.shs.sd)).toBeLessThan(0.0007);
    expect(
      pearson(
        shs,
        people.map((q) => q.residuals.torso),
      ),
    ).toBeGreaterThan(0.5);
  });
});

describe('§4 targets against stature', () => {
  const height = rows.map((r) => r.record.height);
  const target = (name: 'seat_position' | 'seat_angle' | 'steering_reach' | 'steering_tilt') =>
    rows.map((r) => r.record[name]);

  it('leaves seat_angle independent of body size (Reed 2000)', () => {
    expect(Math.abs(pearson(height, target('seat_angle')))).toBeLessThan(0.03);
  });

  it('moves the seat back ~0.35 mm per mm of stature, as the §4 hip-point equations imply', () => {
    // §4 step 4: women 0.284, men 0.56 − 0.00398·age = 0.375 at the mean age of 46.5, plus the
    // between-sex offset → about 0.35 pooled. seatpos' 0.43 (§1) has a standard error of ~0.06 at
    // n = 38, so 0.30–0.40 is consistent with both.
    const s = slope(height, target('seat_position')) / 10;
    expect(s).toBeGreaterThan(0.3);
    expect(s).toBeLessThan(0.4);
    const r2 = pearson(height, target('seat_position')) ** 2;
    expect(r2).toBeGreaterThan(0.4);
    expect(r2).toBeLessThan(0.64);
  });

  it('lets the segments add little beyond stature for seat_position (§1)', () => {
    const h = height;
    const y = target('seat_position');
    const b = slope(h, y);
    const mh = mean(h);
    const my = mean(y);
    const residual = y.map((v, i) => v - my - b * ((h[i] as number) - mh));
    for (const f of ['upper_arm', 'forearm', 'thigh', 'calf', 'torso'] as const) {
      expect(
        Math.abs(
          pearson(
            residual,
            rows.map((r) => r.record[f]),
          ),
        ),
      ).toBeLessThan(0.1);
    }
  });

  it('raises steering reach and tilt with stature', () => {
    expect(pearson(height, target('steering_reach'))).toBeGreaterThan(0.3);
    expect(pearson(height, target('steering_tilt'))).toBeGreaterThan(0.6);
  });
});
