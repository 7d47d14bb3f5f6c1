import { TARGETS } from '../../shared/contract.js';
import { defineCheck } from './check.js';
import type { Accuracy } from './check-accuracy.js';
import { fmt, passedOrFailed, type Verdict } from './check-result.js';

/**
 * The candidate's headline may be at most `maxRegression` worse than the live model's, both measured
 * now on the same golden set (a stored figure could come from another golden set).
 */
export function checkNonRegression(candidate: Accuracy, live: Accuracy, maxRegression: number): Verdict {
  const limit = live.headline * (1 + maxRegression);
  const change = candidate.headline / live.headline - 1;
  const ok = candidate.headline <= limit;
  const perTargetChange = Object.fromEntries(TARGETS.map((t) => [t, candidate.rmse[t] / live.rmse[t] - 1]));
  return {
    status: passedOrFailed(ok),
    summary: `headline ${fmt(candidate.headline)} vs live ${fmt(live.headline)} (${change >= 0 ? '+' : ''}${fmt(
      100 * change,
    )} %, limit +${fmt(100 * maxRegression)} %)`,
    details: {
      metric: 'mean over targets of served RMSE / noise floor',
      candidate: candidate.headline,
      live: live.headline,
      change,
      maxRegression,
      limit,
      perTargetChange,
      liveRmse: live.rmse,
    },
  };
}

/**
 * Without a live model (first rollout, or one that cannot be fetched or loaded) there is nothing to
 * compare with: skipped, because blocking a rollout on a broken live model would block exactly the fix.
 */
export const nonRegressionCheck = defineCheck({
  id: 'non_regression',
  order: 80,
  needs: ['model', 'accuracy', 'liveAccuracy'],
  skipWhen: ({ liveAccuracy }) =>
    Number.isFinite(liveAccuracy.headline)
      ? undefined
      : `the live model's headline is ${liveAccuracy.headline}`,
  run: ({ accuracy, liveAccuracy }, th) => checkNonRegression(accuracy, liveAccuracy, th.maxRegression),
});
