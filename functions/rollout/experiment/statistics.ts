import { normalQuantile, studentTCdf, studentTQuantile } from './distributions.js';

/**
 * The statistics of an A/B experiment, from what CloudWatch keeps per arm: the number of values
 * (SampleCount), their Sum and the Sum of their squares (system/manifest.ts METRICS.outcomes
 * publishes each value's square as its own metric). Pure; docs/experiments.md explains them.
 */

export interface Moments {
  n: number;
  sum: number;
  sumSq: number;
}

export interface Summary {
  n: number;
  mean: number;
  /** Sample variance (n − 1 in the denominator); null below two values. */
  variance: number | null;
}

/** Mean and sample variance from (n, Σx, Σx²): variance = (Σx² − (Σx)²/n) / (n − 1). */
export function summarize({ n, sum, sumSq }: Moments): Summary | null {
  if (n < 1) return null;
  const mean = sum / n;
  // Rounding can leave a tiny negative remainder when every value is the same.
  const variance = n < 2 ? null : Math.max(0, (sumSq - (sum * sum) / n) / (n - 1));
  return { n, mean, variance };
}

export type Interval = [number, number];

/** The mean with its two-sided t interval at `level` (per-target MAE: level 0.95). */
export function meanInterval(s: Summary, level: number): Interval | null {
  if (s.variance === null) return null;
  const half = studentTQuantile(1 - (1 - level) / 2, s.n - 1) * Math.sqrt(s.variance / s.n);
  return [s.mean - half, s.mean + half];
}

export const WELCH_TEST = "Welch's t-test (unequal variances)";

export interface Welch {
  /** candidate mean − primary mean. */
  estimate: number;
  standardError: number;
  /** Welch–Satterthwaite degrees of freedom. */
  df: number;
  t: number;
  /** Two-sided p-value for "no difference". */
  pValue: number;
}

/**
 * Welch's t-test for candidate − primary (Welch 1947, Biometrika 34(1–2):28–35). Needs two values
 * per arm; a standard error of 0 (every value identical in both arms) has no test.
 */
export function welch(candidate: Summary, primary: Summary): Welch | null {
  if (candidate.variance === null || primary.variance === null) return null;
  const vc = candidate.variance / candidate.n;
  const vp = primary.variance / primary.n;
  const se2 = vc + vp;
  if (!(se2 > 0)) return null;
  const standardError = Math.sqrt(se2);
  const estimate = candidate.mean - primary.mean;
  const df = (se2 * se2) / ((vc * vc) / (candidate.n - 1) + (vp * vp) / (primary.n - 1));
  const t = estimate / standardError;
  const pValue = 2 * studentTCdf(-Math.abs(t), df);
  return { estimate, standardError, df, t, pValue };
}

/** estimate ± t(df, 1 − tail)·se: each side excludes `tail` of the probability. */
export function differenceInterval(w: Welch, tail: number): Interval {
  const half = studentTQuantile(1 - tail, w.df) * w.standardError;
  return [w.estimate - half, w.estimate + half];
}

export interface PowerInput {
  candidate: Summary;
  primary: Summary;
  /** Absolute non-inferiority margin on the difference. */
  margin: number;
  /** One-sided alpha of the test each look makes. */
  alpha: number;
  power: number;
}

/**
 * Total feedbacks (both arms, split as observed so far) for the non-inferiority test to reach
 * `power` when the arms are truly equal: the standard error must shrink to
 * margin / (z(1 − alpha) + z(power)), and with shares w_c, w_p of N feedbacks it is
 * sqrt(s_c²/(w_c·N) + s_p²/(w_p·N)). Normal approximation (Chow, Shao & Wang, "Sample Size
 * Calculations in Clinical Research", 2nd ed. 2008, §3.2). Null without variances.
 */
export function feedbackForPower(p: PowerInput): number | null {
  if (p.candidate.variance === null || p.primary.variance === null || !(p.margin > 0)) return null;
  const total = p.candidate.n + p.primary.n;
  const wc = p.candidate.n / total;
  const wp = p.primary.n / total;
  const z = normalQuantile(1 - p.alpha) + normalQuantile(p.power);
  const perFeedback = p.candidate.variance / wc + p.primary.variance / wp;
  return Math.ceil((perFeedback * z * z) / (p.margin * p.margin));
}
