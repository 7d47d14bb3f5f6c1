/**
 * The figures docs/dataset.md publishes and the validation gate's accuracy limits rest on: per
 * target, the injected noise, the error floor of the best model (estimated with a large Monte Carlo
 * sample and a full quadratic fit — nearly the conditional mean, as every §4 relation is smooth), what
 * fits trained on the template reach on the golden set, how much of each target sits on a clip, and
 * the seat-position anchors of docs/domain.md §1 and §6.
 */
import { ACTUATOR_RANGES, TARGETS, type Target } from '../../functions/shared/contract.js';
import { type Dataset, toMatrices } from '../../functions/shared/dataset.js';
import { pearson } from '../../functions/shared/stats.js';
import { generateRows } from './generate.js';
import { avg, type Basis, errors, fitLeastSquares } from './least-squares.js';
import { hipX } from './posture.js';
import { createRng } from './prng.js';
import { NOISE_SD } from './seat-fit.js';

/** Injected noise in each target's own unit (before clipping). */
export const INJECTED_NOISE_SD: Record<Target, number> = {
  seat_position: NOISE_SD.hipX,
  seat_height: NOISE_SD.seatHeight,
  seat_angle: NOISE_SD.a40,
  steering_tilt: (100 * NOISE_SD.wheelHeight) / 80,
  steering_reach: (100 * NOISE_SD.l6) / 60,
  mirror_tilt: 10 * NOISE_SD.mirror,
  mirror_pan: 10 * NOISE_SD.mirror,
};

export interface TargetNoise {
  target: Target;
  injectedSd: number;
  floor: { rmse: number; mae: number };
  goldenLinear: { rmse: number; mae: number };
  goldenQuadratic: { rmse: number; mae: number };
  /** A model that ignores the person and predicts the training mean: what "learned nothing" scores. */
  goldenMeanOnly: { rmse: number; mae: number };
  clippedLow: number;
  clippedHigh: number;
}

export interface NoiseReport {
  targets: TargetNoise[];
  monteCarloRows: number;
  seatPosition: {
    slopeMmPerMm: number;
    r2OnStature: number;
    preferredHipX95: number;
    travel2p5to97p5: number;
  };
}

export function noiseReport(
  training: Dataset,
  golden: Dataset,
  seed: number,
  monteCarloRows = 100_000,
): NoiseReport {
  const mcFit = toMatrices({
    ...training,
    records: generateRows(createRng(seed + 1), monteCarloRows).map((r) => r.record),
  });
  const mcTestRows = generateRows(createRng(seed + 2), monteCarloRows);
  const mcTest = toMatrices({ ...training, records: mcTestRows.map((r) => r.record) });
  const tr = toMatrices(training);
  const go = toMatrices(golden);
  const evaluate = (fitOn: typeof tr, testOn: typeof tr, k: number, basis: Basis) => {
    const fit = fitLeastSquares(fitOn.x, col(fitOn.y, k), basis);
    return errors(testOn.x.map(fit.predict), col(testOn.y, k));
  };
  const targets = TARGETS.map((target, k): TargetNoise => {
    const all = [...col(tr.y, k), ...col(go.y, k)];
    const range = ACTUATOR_RANGES[target];
    return {
      target,
      injectedSd: INJECTED_NOISE_SD[target],
      floor: evaluate(mcFit, mcTest, k, 'quadratic'),
      goldenLinear: evaluate(tr, go, k, 'linear'),
      goldenQuadratic: evaluate(tr, go, k, 'quadratic'),
      goldenMeanOnly: errors(
        go.y.map(() => avg(col(tr.y, k))),
        col(go.y, k),
      ),
      clippedLow: all.filter((v) => v <= range.min).length / all.length,
      clippedHigh: all.filter((v) => v >= range.max).length / all.length,
    };
  });

  const stature = mcTestRows.map((r) => r.person.stature);
  const position = col(mcTest.y, 0);
  const r = pearson(stature, position);
  const noise = createRng(seed + 3);
  const preferred = mcTestRows
    .map((row) => hipX(row.person) + NOISE_SD.hipX * noise.normal())
    .sort((a, b) => a - b);
  return {
    targets,
    monteCarloRows,
    seatPosition: {
      slopeMmPerMm: r * (sd(position) / sd(stature)),
      r2OnStature: r * r,
      preferredHipX95: quantile(preferred, 0.95),
      travel2p5to97p5: quantile(preferred, 0.975) - quantile(preferred, 0.025),
    },
  };
}

export function formatNoiseReport(rep: NoiseReport): string {
  const f = (v: number) => v.toFixed(1);
  const lines = [
    `noise per target (floor: quadratic fit on ${rep.monteCarloRows} rows, scored on another ${rep.monteCarloRows}; golden: fit on the template)`,
    '| target | injected SD | floor RMSE | floor MAE | golden RMSE lin | golden MAE lin | golden RMSE quad | golden MAE quad | golden MAE mean-only | at min | at max |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rep.targets.map(
      (t) =>
        `| ${t.target} | ${f(t.injectedSd)} | ${f(t.floor.rmse)} | ${f(t.floor.mae)} | ${f(t.goldenLinear.rmse)} | ${f(t.goldenLinear.mae)} | ${f(t.goldenQuadratic.rmse)} | ${f(t.goldenQuadratic.mae)} | ${f(t.goldenMeanOnly.mae)} | ${(100 * t.clippedLow).toFixed(1)} % | ${(100 * t.clippedHigh).toFixed(1)} % |`,
    ),
    `seat_position vs stature: slope ${rep.seatPosition.slopeMmPerMm.toFixed(3)} mm/mm, r² ${rep.seatPosition.r2OnStature.toFixed(2)}`,
    `preferred hip X (unclipped): p95 ${f(rep.seatPosition.preferredHipX95)} mm aft of BOF, p2.5–p97.5 span ${f(rep.seatPosition.travel2p5to97p5)} mm`,
  ];
  return lines.join('\n');
}

function col(m: readonly (readonly number[])[], k: number): number[] {
  return m.map((r) => r[k] ?? 0);
}

function sd(v: readonly number[]): number {
  const m = avg(v);
  return Math.sqrt(avg(v.map((x) => (x - m) ** 2)));
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}
