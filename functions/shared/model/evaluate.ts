/** Error measures and K-fold cross-validation used to pick the model kind and to report on it. */
import { TARGETS } from '../contract.js';
import { expandRow } from './features.js';
import { predictLinear } from './ridge.js';
import { fitKind, type ModelKind } from './trainer.js';

/** Root-mean-square error per output column. */
export function rmsePerTarget(pred: number[][], y: number[][]): number[] {
  const width = y[0]?.length ?? 0;
  const s = new Array<number>(width).fill(0);
  y.forEach((row, i) => {
    const p = pred[i] as number[];
    for (let k = 0; k < width; k++) s[k] = (s[k] as number) + ((p[k] as number) - (row[k] as number)) ** 2;
  });
  return s.map((v) => Math.sqrt(v / y.length));
}

export interface CvResult {
  kind: ModelKind;
  /** Out-of-fold RMSE per target, in TARGETS order and their units. */
  rmse: Record<string, number>;
  /** Mean over targets of RMSE / target SD: one unit-free number to rank kinds by. */
  relativeRmse: number;
}

/** Deterministic K-fold CV (fold = row index mod k; the generator already shuffles people). */
export function crossValidate(
  x: number[][],
  y: number[][],
  kind: ModelKind,
  k = 5,
  lambdaPerRow?: number,
): CvResult {
  const pred: number[][] = new Array(x.length);
  for (let f = 0; f < k; f++) {
    const train = x.map((_, i) => i).filter((i) => i % k !== f);
    const params = fitKind(
      train.map((i) => x[i] as number[]),
      train.map((i) => y[i] as number[]),
      kind,
      lambdaPerRow,
    );
    for (let i = f; i < x.length; i += k)
      pred[i] = predictLinear(params.fit, expandRow(x[i] as number[], params.expansion));
  }
  const rmse = rmsePerTarget(pred, y);
  const sd = rmsePerTarget(
    y.map(() => columnMeans(y)),
    y,
  );
  const relativeRmse = rmse.reduce((a, r, i) => a + r / ((sd[i] as number) || 1), 0) / rmse.length;
  return { kind, rmse: Object.fromEntries(TARGETS.map((t, i) => [t, rmse[i] as number])), relativeRmse };
}

function columnMeans(m: number[][]): number[] {
  const width = m[0]?.length ?? 0;
  const s = new Array<number>(width).fill(0);
  for (const r of m) for (let j = 0; j < width; j++) s[j] = (s[j] as number) + (r[j] as number);
  return s.map((v) => v / m.length);
}
