import {
  differenceInterval,
  feedbackForPower,
  type Interval,
  type Summary,
  WELCH_TEST,
  welch,
} from './statistics.js';

/**
 * The verdict of an experiment on the normalised error (lower is better), candidate − primary,
 * and the sequential rule that makes repeated looks safe (docs/experiments.md, "Deciding"):
 *
 * With K = the planned number of looks, every look tests each direction one-sided at alpha / K
 * (Bonferroni over the looks): the chance that ANY look crosses a boundary it should not is at
 * most K · alpha / K = alpha, whatever the correlation between looks. Conservative next to
 * Pocock's or O'Brien–Fleming's boundaries, but valid for looks at any times and any number up to
 * K, which is what a Wait loop with task retries delivers. (Armitage, McPherson & Rowe 1969 show
 * how uncorrected repeated tests inflate alpha; Jennison & Turnbull 2000, §1.3 and ch. 2.)
 *
 * Verdicts on the corrected interval [lo, hi], once both arms have the minimum feedback:
 * - candidate_better: hi < 0;
 * - no_difference: hi < margin (non-inferior: not worse than the margin allows), not shown better;
 * - candidate_worse: lo > 0 and not within the margin;
 * - insufficient_data: otherwise, with the feedbacks still needed for 80 % power at the margin.
 * The margin is relative: margin × the primary's mean normalised error.
 */

export const VERDICTS = [
  'candidate_better',
  'candidate_worse',
  'no_difference',
  'insufficient_data',
] as const;
export type Verdict = (typeof VERDICTS)[number];

/** Power the "feedbacks still needed" figure plans for. */
export const PLANNED_POWER = 0.8;
export const SEQUENTIAL_METHOD = 'Bonferroni over the K planned looks (each look one-sided at alpha / K)';

export interface ExperimentRule {
  /** Relative non-inferiority margin: 0.02 = the candidate may be 2 % worse than the primary. */
  margin: number;
  /** Feedbacks each arm needs before any verdict. */
  minFeedback: number;
  /** One-sided error rate of each decision (promote, abort) over the whole experiment. */
  alpha: number;
  /** K: the most looks the experiment makes (1: a single fixed-sample test). */
  looks: number;
}

export interface Judgement {
  verdict: Verdict;
  /** Welch's test, nominal (one look): estimate, 95 % interval, two-sided p. */
  difference: {
    estimate: number;
    relative: number | null;
    ci95: Interval;
    p_value: number;
    test: string;
    standard_error: number;
    df: number;
  } | null;
  /** The absolute margin: margin × the primary's mean. */
  margin_abs: number | null;
  /** The interval the verdict is read from: each side at alpha / K. */
  decision_interval: { level: number; lower: number; upper: number } | null;
  sequential: { method: string; looks: number; alpha: number; per_look_alpha: number };
  needed_feedback: number | null;
}

export function judge(candidate: Summary | null, primary: Summary | null, rule: ExperimentRule): Judgement {
  const perLook = rule.alpha / rule.looks;
  const sequential = {
    method: SEQUENTIAL_METHOD,
    looks: rule.looks,
    alpha: rule.alpha,
    per_look_alpha: perLook,
  };
  const none = (needed: number | null): Judgement => ({
    verdict: 'insufficient_data',
    difference: null,
    margin_abs: null,
    decision_interval: null,
    sequential,
    needed_feedback: needed,
  });
  const short = (s: Summary | null) => Math.max(0, rule.minFeedback - (s?.n ?? 0));
  if (!candidate || !primary) return none(short(candidate) + short(primary) || null);
  const w = welch(candidate, primary);
  if (!w) return none(null);

  const marginAbs = rule.margin * primary.mean;
  const [lower, upper] = differenceInterval(w, perLook);
  const enough = candidate.n >= rule.minFeedback && primary.n >= rule.minFeedback;
  const verdict: Verdict = !enough
    ? 'insufficient_data'
    : upper < 0
      ? 'candidate_better'
      : upper < marginAbs
        ? 'no_difference'
        : lower > 0
          ? 'candidate_worse'
          : 'insufficient_data';
  const forPower = feedbackForPower({
    candidate,
    primary,
    margin: marginAbs,
    alpha: perLook,
    power: PLANNED_POWER,
  });
  const needed =
    verdict !== 'insufficient_data'
      ? 0
      : Math.max(
          short(candidate) + short(primary),
          forPower === null ? 0 : forPower - candidate.n - primary.n,
        );
  return {
    verdict,
    difference: {
      estimate: w.estimate,
      relative: primary.mean > 0 ? w.estimate / primary.mean : null,
      ci95: differenceInterval(w, 0.025),
      p_value: w.pValue,
      test: WELCH_TEST,
      standard_error: w.standardError,
      df: w.df,
    },
    margin_abs: marginAbs,
    decision_interval: { level: 1 - 2 * perLook, lower, upper },
    sequential,
    needed_feedback: needed,
  };
}
