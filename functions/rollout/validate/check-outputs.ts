import { ACTUATOR_RANGES, TARGETS, type Target } from '../../shared/contract.js';
import { type CheckResult, fmt, passedOrFailed } from './check-result.js';

/** Predictions are rows in canonical TARGETS order, one per golden record. */
export type Predictions = ReadonlyArray<ReadonlyArray<number>>;

/** No NaN or ±Infinity anywhere on the golden set: the service cannot clamp a NaN into a setting. */
export function checkFinite(pred: Predictions): CheckResult {
  const perTarget = Object.fromEntries(TARGETS.map((t) => [t, 0])) as Record<Target, number>;
  let rows = 0;
  for (const row of pred) {
    let bad = false;
    TARGETS.forEach((t, i) => {
      if (!Number.isFinite(row[i])) {
        perTarget[t]++;
        bad = true;
      }
    });
    if (bad) rows++;
  }
  const names = TARGETS.filter((t) => perTarget[t] > 0);
  return {
    name: 'finite',
    status: passedOrFailed(rows === 0),
    summary:
      rows === 0
        ? `all ${pred.length}×${TARGETS.length} predictions finite`
        : `${rows} of ${pred.length} golden rows have NaN/Inf (${names.join(', ')})`,
    details: { rows: pred.length, nonFiniteRows: rows, nonFinitePerTarget: perTarget },
  };
}

/**
 * Outputs within the actuator ranges, beyond a tolerance. A prediction is "far out" when it lies
 * beyond its range by more than `margin` × the range's span; the check fails when more than
 * `maxFraction` of the golden rows have a far-out prediction. Values just past an end stop are
 * normal for unconstrained regressions on clipped targets (the service clamps them) and are only
 * counted. Non-finite values are the finite check's business and are not counted here.
 */
export function checkRanges(pred: Predictions, margin: number, maxFraction: number): CheckResult {
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
    name: 'ranges',
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
