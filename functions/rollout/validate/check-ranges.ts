import { ACTUATOR_RANGES, TARGETS, type Target } from '../../shared/contract.js';
import { defineCheck } from './check.js';
import { fmt, passedOrFailed, type Verdict } from './check-result.js';
import type { Predictions } from './facts.js';

/**
 * Outputs within the actuator ranges, beyond a tolerance. A prediction is "far out" when it lies
 * beyond its range by more than `margin` × the range's span; the check fails when more than
 * `maxFraction` of the golden rows have a far-out prediction. Values just past an end stop are
 * normal for unconstrained regressions on clipped targets (the service clamps them) and are only
 * counted. Non-finite values are the finite check's business and are not counted here.
 */
export function checkRanges(pred: Predictions, margin: number, maxFraction: number): Verdict {
  const outside = Object.fromEntries(TARGETS.map((t) => [t, 0])) as Record<Target, number>;
  const farOutside = { ...outside };
  const worst = Object.fromEntries(TARGETS.map((t) => [t, 0])) as Record<Target, number>;
  let farRows = 0;
  for (const row of pred) {
    let far = false;
    TARGETS.forEach((t, i) => {
      const v = row[i] as number;
      if (Number.isNaN(v)) return;
      const { min, max } = ACTUATOR_RANGES[t];
      const span = max - min;
      const beyond = Math.max(min - v, v - max, 0) / span;
      if (beyond > 0) outside[t]++;
      if (beyond > margin) {
        farOutside[t]++;
        far = true;
      }
      if (beyond > worst[t]) worst[t] = beyond;
    });
    if (far) farRows++;
  }
  const fraction = pred.length === 0 ? 0 : farRows / pred.length;
  const ok = fraction <= maxFraction;
  const worstTargets = TARGETS.filter((t) => farOutside[t] > 0)
    .map((t) => `${t} up to ${fmt(worst[t])} spans out`)
    .join(', ');
  return {
    status: passedOrFailed(ok),
    summary: `${fmt(100 * fraction)} % of golden rows beyond an actuator range by > ${fmt(margin)} span (limit ${fmt(
      100 * maxFraction,
    )} %)${worstTargets ? `: ${worstTargets}` : ''}`,
    details: {
      rows: pred.length,
      farOutsideRows: farRows,
      farOutsideFraction: fraction,
      margin,
      maxFraction,
      outsidePerTarget: outside,
      farOutsidePerTarget: farOutside,
      worstExcursionSpans: worst,
    },
  };
}

export const rangesCheck = defineCheck({
  id: 'ranges',
  order: 60,
  needs: ['model', 'predictions'],
  run: ({ predictions }, th) => checkRanges(predictions, th.rangeMargin, th.maxOutOfRangeFraction),
});
