import { TARGETS, type Target } from '../../shared/contract.js';
import { clampToActuators } from '../../shared/inference.js';
import { defineCheck, noInference } from './check.js';
import { fmt, passedOrFailed, type Verdict } from './check-result.js';
import type { Predictions } from './facts.js';
import { headline, NOISE_FLOOR_RMSE } from './thresholds.js';

/**
 * Accuracy on the golden set, judged on what drivers would get: predictions clamped to the actuator
 * ranges as the recommend function serves them. Raw RMSE is reported next to it.
 */
export interface Accuracy {
  /** RMSE per target of the clamped (served) predictions, in the target's unit. */
  rmse: Record<Target, number>;
  /** RMSE per target of the raw model outputs. */
  rawRmse: Record<Target, number>;
  /** Mean over targets of rmse / noise floor (thresholds.ts); NaN when any prediction is NaN. */
  headline: number;
}

export function measureAccuracy(pred: Predictions, truth: ReadonlyArray<ReadonlyArray<number>>): Accuracy {
  if (pred.length !== truth.length) throw new Error(`${pred.length} predictions for ${truth.length} rows`);
  const served = new Array<number>(TARGETS.length).fill(0);
  const raw = new Array<number>(TARGETS.length).fill(0);
  pred.forEach((row, r) => {
    const clamped = clampToActuators(row).values;
    const y = truth[r] as ReadonlyArray<number>;
    for (let i = 0; i < TARGETS.length; i++) {
      served[i] = (served[i] as number) + ((clamped[i] as number) - (y[i] as number)) ** 2;
      raw[i] = (raw[i] as number) + ((row[i] as number) - (y[i] as number)) ** 2;
    }
  });
  const toRecord = (sums: number[]) =>
    Object.fromEntries(TARGETS.map((t, i) => [t, Math.sqrt((sums[i] as number) / pred.length)])) as Record<
      Target,
      number
    >;
  const rmse = toRecord(served);
  return { rmse, rawRmse: toRecord(raw), headline: headline(rmse) };
}

/** Every target's RMSE ≤ factor × its noise floor (a NaN RMSE fails). */
export function checkAccuracy(acc: Accuracy, factor: number): Verdict {
  const perTarget = Object.fromEntries(
    TARGETS.map((t) => {
      const limit = factor * NOISE_FLOOR_RMSE[t];
      return [
        t,
        {
          rmse: acc.rmse[t],
          rawRmse: acc.rawRmse[t],
          floor: NOISE_FLOOR_RMSE[t],
          limit,
          ratioToFloor: acc.rmse[t] / NOISE_FLOOR_RMSE[t],
          passed: acc.rmse[t] <= limit,
        },
      ];
    }),
  );
  const failed = TARGETS.filter((t) => !perTarget[t]?.passed);
  return {
    status: passedOrFailed(failed.length === 0),
    summary:
      failed.length === 0
        ? `every target within ${fmt(factor)} × its noise floor (worst ${worstRatio(acc)})`
        : `RMSE over ${fmt(factor)} × noise floor: ${failed
            .map((t) => `${t} ${fmt(acc.rmse[t])} > ${fmt(factor * NOISE_FLOOR_RMSE[t])}`)
            .join(', ')}`,
    details: { factor, headline: acc.headline, perTarget },
  };
}

function worstRatio(acc: Accuracy): string {
  let worst: Target = TARGETS[0];
  for (const t of TARGETS) {
    if (acc.rmse[t] / NOISE_FLOOR_RMSE[t] > acc.rmse[worst] / NOISE_FLOOR_RMSE[worst]) worst = t;
  }
  return `${worst} ${fmt(acc.rmse[worst] / NOISE_FLOOR_RMSE[worst])} ×`;
}

/** Provides the accuracy it measured, passed or failed: non_regression compares it with the live model's. */
export const accuracyCheck = defineCheck({
  id: 'accuracy',
  order: 70,
  needs: ['model', 'predictions', 'golden'],
  provides: { accuracy: noInference },
  run: ({ predictions, golden }, th) => {
    const accuracy = measureAccuracy(predictions, golden.y);
    return { ...checkAccuracy(accuracy, th.accuracyRmseFactor), provides: { accuracy } };
  },
});
