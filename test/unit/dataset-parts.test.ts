import { describe, expect, it } from 'vitest';
import { cholesky, lowerTimes, solveSpd } from '../../scripts/dataset/linalg.js';
import { mirrorAim, type Vec3 } from '../../scripts/dataset/mirror.js';
import { posture, TARGET_EYE_Z } from '../../scripts/dataset/posture.js';
import { createRng } from '../../scripts/dataset/prng.js';
import { REFERENCE_MALE } from '../../scripts/dataset/seat-fit.js';
import { STATURE_TAILS_CM, statureCdf, statureQuantile } from '../../scripts/dataset/stature-tails.js';

describe('prng', () => {
  it('repeats for a seed and differs between seeds', () => {
    const a = createRng(5);
    const b = createRng(5);
    const c = createRng(6);
    const sa = Array.from({ length: 5 }, () => a.uniform());
    expect(Array.from({ length: 5 }, () => b.uniform())).toEqual(sa);
    expect(Array.from({ length: 5 }, () => c.uniform())).not.toEqual(sa);
  });

  it('draws standard normals', () => {
    const rng = createRng(11);
    const z = Array.from({ length: 40_000 }, () => rng.normal());
    const m = z.reduce((s, v) => s + v, 0) / z.length;
    const v = z.reduce((s, x) => s + (x - m) ** 2, 0) / z.length;
    expect(Math.abs(m)).toBeLessThan(0.02);
    expect(Math.abs(v - 1)).toBeLessThan(0.03);
  });
});

describe('linalg', () => {
  const a = [
    [4, 2, 0.4],
    [2, 5, 1],
    [0.4, 1, 3],
  ];
  it('factors a covariance so that L·Lᵀ reproduces it', () => {
    const l = cholesky(a);
    a.forEach((row, i) => {
      row.forEach((v, j) => {
        const llt = [0, 1, 2].reduce((s, k) => s + (l[i]?.[k] ?? 0) * (l[j]?.[k] ?? 0), 0);
        expect(llt).toBeCloseTo(v, 12);
      });
    });
    expect(lowerTimes(l, [1, 0, 0])).toEqual([l[0]?.[0], l[1]?.[0], l[2]?.[0]]);
  });

  it('solves and refuses a matrix that is not positive definite', () => {
    const x = solveSpd(a, [1, 2, 3]);
    a.forEach((row, i) => {
      expect(row.reduce((s, v, j) => s + v * (x[j] ?? 0), 0)).toBeCloseTo([1, 2, 3][i] as number, 12);
    });
    expect(() =>
      cholesky([
        [1, 2],
        [2, 1],
      ]),
    ).toThrow(/positive definite/);
  });
});

describe('mirror (law of reflection)', () => {
  it('reflects a ray from straight behind into the eye', () => {
    const mirror: Vec3 = [560, -900, 860];
    const eye: Vec3 = [900, -370, 930];
    const { tiltDeg, panDeg } = mirrorAim(eye, mirror);
    const rad = Math.PI / 180;
    const n = [
      Math.cos(tiltDeg * rad) * Math.cos(panDeg * rad),
      Math.cos(tiltDeg * rad) * Math.sin(panDeg * rad),
      Math.sin(tiltDeg * rad),
    ];
    const d = [-1, 0, 0];
    const dn = d.reduce((s, v, i) => s + v * (n[i] ?? 0), 0);
    const r = d.map((v, i) => v - 2 * dn * (n[i] ?? 0));
    const toEye = [eye[0] - mirror[0], eye[1] - mirror[1], eye[2] - mirror[2]];
    const len = Math.hypot(...toEye);
    r.forEach((v, i) => {
      expect(v).toBeCloseTo((toEye[i] ?? 0) / len, 9);
    });
  });

  it('aims higher for a higher eye and further inboard for an eye further inboard', () => {
    const base = mirrorAim([900, -370, 900]);
    expect(mirrorAim([900, -370, 950]).tiltDeg).toBeGreaterThan(base.tiltDeg);
    expect(mirrorAim([900, -300, 900]).panDeg).toBeGreaterThan(base.panDeg);
  });
});

describe('posture', () => {
  it('seats the 50th-percentile male inside the travel with his eye at the target height', () => {
    const p = posture(REFERENCE_MALE, { hipX: 0, height: 0 });
    expect(p.seatPosition).toBeGreaterThan(100);
    expect(p.seatPosition).toBeLessThan(180);
    expect(p.eye[2]).toBeGreaterThanOrEqual(TARGET_EYE_Z - 1);
  });

  it('clips the seat to its travel and moves the eye with the clipped seat, not the preference', () => {
    const far = posture(REFERENCE_MALE, { hipX: 500, height: -500 });
    expect(far.seatPosition).toBe(240);
    expect(far.seatHeight).toBe(0);
    const near = posture(REFERENCE_MALE, { hipX: 400, height: -400 });
    expect(near.eye).toEqual(far.eye);
  });
});

describe('stature tails', () => {
  it('cuts at the 2nd and 98th percentiles of the 50/50 population', () => {
    expect(statureCdf(statureQuantile(0.02))).toBeCloseTo(0.02, 6);
    expect(statureCdf(STATURE_TAILS_CM.low * 10)).toBeCloseTo(0.02, 3);
    expect(statureCdf(STATURE_TAILS_CM.high * 10)).toBeCloseTo(0.98, 3);
  });
});
