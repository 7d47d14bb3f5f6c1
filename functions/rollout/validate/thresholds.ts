import { TARGETS, type Target } from '../../shared/contract.js';
import { NOISE_FLOOR_RMSE } from '../../shared/noise-floor.js';

/**
 * The numbers the validation gate judges a model by, with where each comes from. docs/validation.md
 * explains them for people; config.ts lets an operator override the tunable ones per stack.
 */

// The noise floors moved to functions/shared so the feedback function's outcome metrics share them.
export { NOISE_FLOOR_RMSE };

export interface Thresholds {
  /** Largest model file accepted, bytes. */
  maxModelBytes: number;
  /** A target passes when its RMSE on the golden set ≤ factor × its noise floor. */
  accuracyRmseFactor: number;
  /** Candidate headline may be at most this fraction worse than the live model's (0.05 = 5 %). */
  maxRegression: number;
  /** A prediction counts as out of range when beyond its actuator range by more than margin × span. */
  rangeMargin: number;
  /** Largest fraction of golden rows allowed to have any prediction out of range by more than the margin. */
  maxOutOfRangeFraction: number;
  /** Median batch inference time per golden row, µs. */
  latencyBudgetUsPerRow: number;
  /** Timed batch runs (after one warm-up run); the median is judged. */
  latencyRuns: number;
  /** Minimum Pearson r between predicted seat_position and −hipcenter of the seatpos drivers. */
  seatposMinR: number;
  /** Time limit of the loads check (session creation and the probe row), and of loading the live model, ms. */
  loadTimeLimitMs: number;
  /** Time limit of every other check, each on its own, and of the live model's golden-set run, ms. */
  checkTimeLimitMs: number;
}

/**
 * Defaults, justified in docs/validation.md with how the default model scores against each:
 * - 50 MB: the seat-fit models are 1–2 kB and a 500-tree ensemble a few MB; 50 MB keeps the file,
 *   two sessions (candidate and live) and the golden set far below the function's 1024 MB memory
 *   and /tmp.
 * - 1.25 × floor: the default model is within 1.03 × on every target, a plain least-squares
 *   (scikit-learn LinearRegression-like) fit within 1.13 ×, and a constant-mean model that learned
 *   nothing is 1.3–2.2 × on six of seven targets (seat_angle does not depend on body size, so no model
 *   can beat the mean there).
 * - 5 % regression on the headline (mean over targets of RMSE / floor), as the issue asks.
 * - range margin 0.5 span, 3 % of rows: the golden set keeps the stature tails and 45 % of people sit
 *   at a seat-height end stop, so unconstrained linear models overshoot there (the service clamps);
 *   a least-squares fit leaves 0.6 % of golden rows beyond half a span, the default model none.
 * - 100 µs per row: the recommend function's p99 target is 250 µs per request with ~20 µs spent in a
 *   bare onnxruntime call; the default model needs ~0.4 µs per row batched.
 * - r ≥ 0.6: stature alone reaches 0.80 on seatpos and the default model 0.78; with 38 drivers the
 *   95 % interval of r = 0.8 reaches down to about 0.64.
 * - 20 s to load, 10 s per check: the default model loads within 3 s in a child process even on a
 *   busy 2-core box and no check needs 1 s; the worst case (live and candidate loads, the live run
 *   and four inference checks all just under their limits) stays under the function's 120 s timeout.
 */
export const DEFAULT_THRESHOLDS: Thresholds = {
  maxModelBytes: 50 * 1024 * 1024,
  accuracyRmseFactor: 1.25,
  maxRegression: 0.05,
  rangeMargin: 0.5,
  maxOutOfRangeFraction: 0.03,
  latencyBudgetUsPerRow: 100,
  latencyRuns: 5,
  seatposMinR: 0.6,
  loadTimeLimitMs: 20_000,
  checkTimeLimitMs: 10_000,
};

/** The headline metric: mean over targets of RMSE / noise floor. 1.0 ≈ as good as the data allows. */
export function headline(rmse: Record<Target, number>): number {
  let sum = 0;
  for (const t of TARGETS) sum += rmse[t] / NOISE_FLOOR_RMSE[t];
  return sum / TARGETS.length;
}
