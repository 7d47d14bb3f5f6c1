/**
 * The stature tails that docs/domain.md §4 step 10 keeps out of training: below the 2nd and above the
 * 98th percentile of the population (equal mix of the §2 male and female stature normals). Computed
 * from the distribution, not from a sample, so the cut-offs do not move with the seed.
 */
import { PARAMETERS } from './anthropometry.js';

export const TAIL_PERCENTILES = { low: 0.02, high: 0.98 } as const;

/** Normal CDF via the complementary error function (Numerical Recipes erfcc, |rel. error| < 1.2e-7). */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const erfc =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? 1 - erfc / 2 : erfc / 2;
}

/** CDF of stature (mm) in the 50/50 population. */
export function statureCdf(s: number): number {
  const m = PARAMETERS.male.stature;
  const f = PARAMETERS.female.stature;
  return 0.5 * normalCdf((s - m.mean) / m.sd) + 0.5 * normalCdf((s - f.mean) / f.sd);
}

/** Stature (mm) at probability q, by bisection (the CDF is monotone). */
export function statureQuantile(q: number): number {
  let lo = 1000;
  let hi = 2500;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (statureCdf(mid) < q) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Cut-offs in cm, as the `height` feature is written (0.1 cm), so a file can be checked against them. */
export const STATURE_TAILS_CM = {
  low: Math.round(statureQuantile(TAIL_PERCENTILES.low)) / 10,
  high: Math.round(statureQuantile(TAIL_PERCENTILES.high)) / 10,
} as const;

/** Whether a written height (cm) lies in a tail. */
export function isStatureTail(heightCm: number): boolean {
  return heightCm < STATURE_TAILS_CM.low || heightCm > STATURE_TAILS_CM.high;
}
