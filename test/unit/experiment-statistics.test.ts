import { describe, expect, it } from 'vitest';
import {
  normalCdf,
  normalQuantile,
  studentTCdf,
  studentTQuantile,
} from '../../functions/rollout/experiment/distributions.js';
import {
  differenceInterval,
  feedbackForPower,
  meanInterval,
  summarize,
  welch,
} from '../../functions/rollout/experiment/statistics.js';
import { judge } from '../../functions/rollout/experiment/verdict.js';

/**
 * Reference values from scipy 1.17.1 (python3-scipy on the project machine), computed once with:
 *   stats.t.cdf(2.1, 7.3), stats.t.cdf(-0.5, 3), stats.t.cdf(4, 250.5), stats.t.cdf(-6, 1.5)
 *   stats.t.ppf(0.975, 9), stats.t.ppf(1 - 0.05/12, 37.6), stats.t.ppf(0.999, 2), stats.t.ppf(0.025, 20000)
 *   stats.norm.cdf(-3.2), stats.norm.cdf(1.1), stats.norm.ppf(0.8), stats.norm.ppf(1 - 0.05/12)
 *   r = stats.ttest_ind(C, P, equal_var=False); r.statistic, r.pvalue, r.df,
 *   r.confidence_interval(0.95), r.confidence_interval(1 - 2*0.05/12)
 *   stats.t.interval(0.95, len(A) - 1, loc=A.mean(), scale=stats.sem(A))
 *   N = (C.var(ddof=1)/wc + P.var(ddof=1)/wp) * (norm.ppf(1 - 0.05/12) + norm.ppf(0.8))**2 / (0.02*P.mean())**2
 *   with wc, wp = each sample's share of all 19 values.
 */
const C = [0.91, 0.62, 0.75, 1.3, 0.58, 0.88, 0.97, 0.71];
const P = [0.66, 0.81, 0.59, 0.72, 0.64, 0.9, 0.55, 0.69, 0.77, 0.61, 0.7];
const A = [12.0, 30.5, 4.2, 18.9, 25.1, 7.7, 40.3, 15.0, 22.8, 9.9];

const SCIPY = {
  tCdf: [
    [2.1, 7.3, 0.9638766432875733],
    [-0.5, 3, 0.3257239824240755],
    [4, 250.5, 0.9999582869739466],
    [-6, 1.5, 0.025101228388162394],
  ],
  tPpf: [
    [0.975, 9, 2.262157162798205],
    [1 - 0.05 / 12, 37.6, 2.78509786785054],
    [0.999, 2, 22.327124770119866],
    [0.025, 20000, -1.9600826051581353],
  ],
  normCdf: [
    [-3.2, 0.0006871379379158471],
    [1.1, 0.8643339390536173],
  ],
  normPpf: [
    [0.8, 0.8416212335729143],
    [1 - 0.05 / 12, 2.638257273476751],
  ],
  welch: { t: 1.660901926671051, p: 0.1310795821862361, df: 9.005792827211772, estimate: 0.1454545454545454 },
  ci95: [-0.05263588745852518, 0.343544978367616],
  ciCorrected: [-0.14911743518742465, 0.44002652609651544],
  mae: { mean: 18.64, ci95: [10.621320259239287, 26.658679740760714] },
  powerN: 9146,
} as const;

/** (n, Σx, Σx²): what CloudWatch's SampleCount and Sum statistics give for a value and its square. */
const moments = (xs: readonly number[]) => ({
  n: xs.length,
  sum: xs.reduce((a, b) => a + b, 0),
  sumSq: xs.reduce((a, b) => a + b * b, 0),
});
const summary = (xs: readonly number[]) => {
  const s = summarize(moments(xs));
  if (!s) throw new Error('empty');
  return s;
};

describe('distributions agree with scipy.stats', () => {
  it('Student t CDF and quantile, fractional and large df', () => {
    for (const [t, df, p] of SCIPY.tCdf) expect(studentTCdf(t, df)).toBeCloseTo(p, 12);
    for (const [p, df, t] of SCIPY.tPpf) expect(studentTQuantile(p, df)).toBeCloseTo(t, 9);
  });

  it('normal CDF and quantile', () => {
    for (const [z, p] of SCIPY.normCdf) expect(normalCdf(z)).toBeCloseTo(p, 14);
    for (const [p, z] of SCIPY.normPpf) expect(normalQuantile(p)).toBeCloseTo(z, 10);
  });
});

describe('experiment statistics from (n, sum, sumSq)', () => {
  it('summarises an arm: mean and the n − 1 variance', () => {
    const s = summary(C);
    expect(s.n).toBe(8);
    expect(s.mean).toBeCloseTo(0.84, 14);
    const mean = 0.84;
    expect(s.variance).toBeCloseTo(C.reduce((a, x) => a + (x - mean) ** 2, 0) / 7, 12);
    expect(summarize({ n: 0, sum: 0, sumSq: 0 })).toBeNull();
    expect(summarize({ n: 1, sum: 3, sumSq: 9 })?.variance).toBeNull();
    // Identical values: rounding must not make the variance negative.
    expect(summarize({ n: 3, sum: 0.3, sumSq: 0.03 })?.variance).toBeGreaterThanOrEqual(0);
  });

  it("Welch's t-test: t, df, two-sided p and the intervals", () => {
    const w = welch(summary(C), summary(P));
    expect(w).not.toBeNull();
    if (!w) return;
    expect(w.estimate).toBeCloseTo(SCIPY.welch.estimate, 12);
    expect(w.t).toBeCloseTo(SCIPY.welch.t, 11);
    expect(w.df).toBeCloseTo(SCIPY.welch.df, 10);
    expect(w.pValue).toBeCloseTo(SCIPY.welch.p, 11);
    const ci = differenceInterval(w, 0.025);
    expect(ci[0]).toBeCloseTo(SCIPY.ci95[0], 9);
    expect(ci[1]).toBeCloseTo(SCIPY.ci95[1], 9);
    const corrected = differenceInterval(w, 0.05 / 12);
    expect(corrected[0]).toBeCloseTo(SCIPY.ciCorrected[0], 9);
    expect(corrected[1]).toBeCloseTo(SCIPY.ciCorrected[1], 9);
  });

  it('no test without two values per arm or without any spread', () => {
    expect(welch(summary([1]), summary(P))).toBeNull();
    expect(welch(summary([1, 1]), summary([2, 2]))).toBeNull();
  });

  it('per-target MAE with its 95 % t interval', () => {
    const s = summary(A);
    expect(s.mean).toBeCloseTo(SCIPY.mae.mean, 12);
    const ci = meanInterval(s, 0.95);
    expect(ci?.[0]).toBeCloseTo(SCIPY.mae.ci95[0], 9);
    expect(ci?.[1]).toBeCloseTo(SCIPY.mae.ci95[1], 9);
  });

  it('feedbacks for 80 % power at the margin (normal approximation)', () => {
    const p = summary(P);
    const n = feedbackForPower({
      candidate: summary(C),
      primary: p,
      margin: 0.02 * p.mean,
      alpha: 0.05 / 12,
      power: 0.8,
    });
    expect(n).toBe(SCIPY.powerN);
  });
});

describe('verdicts on the corrected interval', () => {
  const rule = { margin: 0.02, minFeedback: 5, alpha: 0.05, looks: 12 };

  it('reports the nominal test and the corrected decision interval; too little evidence is insufficient_data', () => {
    const j = judge(summary(C), summary(P), rule);
    expect(j.verdict).toBe('insufficient_data');
    expect(j.difference?.test).toBe("Welch's t-test (unequal variances)");
    expect(j.difference?.p_value).toBeCloseTo(SCIPY.welch.p, 11);
    expect(j.decision_interval?.lower).toBeCloseTo(SCIPY.ciCorrected[0], 9);
    expect(j.decision_interval?.level).toBeCloseTo(1 - 0.1 / 12, 12);
    expect(j.needed_feedback).toBe(SCIPY.powerN - C.length - P.length);
  });

  it('below the minimum feedback nothing is decided, however clear the difference', () => {
    const far = C.map((x) => x + 10);
    expect(judge(summary(far), summary(P), { ...rule, minFeedback: 9 }).verdict).toBe('insufficient_data');
    expect(judge(summary(far), summary(P), rule).verdict).toBe('candidate_worse');
    expect(judge(summary(P.map((x) => x - 0.5)), summary(P), rule).verdict).toBe('candidate_better');
  });

  it('no_difference when the upper bound is inside the margin; worse within the margin is still no_difference', () => {
    // Large, tight arms: identical spread, shifted by 0 and by 1 % of the mean.
    const arm = (mean: number) => ({
      n: 100_000,
      sum: mean * 100_000,
      sumSq: (mean * mean + 0.01) * 100_000,
    });
    const base = summarize(arm(0.8));
    expect(judge(summarize(arm(0.8)), base, rule).verdict).toBe('no_difference');
    const slightlyWorse = judge(summarize(arm(0.808)), base, rule);
    expect(slightlyWorse.decision_interval?.lower).toBeGreaterThan(0);
    expect(slightlyWorse.verdict).toBe('no_difference');
    expect(judge(summarize(arm(0.83)), base, rule).verdict).toBe('candidate_worse');
  });

  it('without feedback the needed count is the minimum still missing', () => {
    expect(judge(null, null, rule)).toMatchObject({ verdict: 'insufficient_data', needed_feedback: 10 });
  });
});
