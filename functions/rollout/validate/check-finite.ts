import { TARGETS, type Target } from '../../shared/contract.js';
import { defineCheck, noInference } from './check.js';
import { passedOrFailed, type Verdict } from './check-result.js';
import type { Predictions } from './facts.js';

/** No NaN or ±Infinity anywhere on the golden set: the service cannot clamp a NaN into a setting. */
export function checkFinite(pred: Predictions): Verdict {
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
    status: passedOrFailed(rows === 0),
    summary:
      rows === 0
        ? `all ${pred.length}×${TARGETS.length} predictions finite`
        : `${rows} of ${pred.length} golden rows have NaN/Inf (${names.join(', ')})`,
    details: { rows: pred.length, nonFiniteRows: rows, nonFinitePerTarget: perTarget },
  };
}

/**
 * Predicts the golden set once, for the later checks too. A model that answered NaN/Inf for the
 * contract's probe row has no predictions: that answer is this check's failure.
 */
export const finiteCheck = defineCheck({
  id: 'finite',
  order: 50,
  needs: ['inference', 'golden'],
  provides: { predictions: noInference },
  run: async ({ inference, golden }, _th, signal) => {
    if ('nonFinite' in inference) {
      return { status: 'failed', summary: inference.nonFinite, details: { probe: true } };
    }
    const predictions = await inference.model.predict(golden.x, signal);
    return { ...checkFinite(predictions), provides: { predictions } };
  },
});
