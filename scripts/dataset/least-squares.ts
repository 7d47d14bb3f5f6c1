/**
 * Ordinary least squares on standardised features, linear or full quadratic (squares and pairwise
 * products). Used by the noise report to estimate how well any model can do, not shipped as a model.
 */
import { solveSpd } from './linalg.js';

export type Basis = 'linear' | 'quadratic';

export interface Fit {
  predict(x: readonly number[]): number;
}

export function fitLeastSquares(x: readonly (readonly number[])[], y: readonly number[], basis: Basis): Fit {
  const d = x[0]?.length ?? 0;
  const mean = Array.from({ length: d }, (_, j) => avg(x.map((r) => r[j] ?? 0)));
  const sd = Array.from(
    { length: d },
    (_, j) => Math.sqrt(avg(x.map((r) => ((r[j] ?? 0) - (mean[j] ?? 0)) ** 2))) || 1,
  );
  const expand = (r: readonly number[]): number[] => {
    const z = r.map((v, j) => (v - (mean[j] ?? 0)) / (sd[j] ?? 1));
    const terms = [1, ...z];
    if (basis === 'quadratic')
      for (let i = 0; i < d; i++) for (let j = i; j < d; j++) terms.push((z[i] ?? 0) * (z[j] ?? 0));
    return terms;
  };
  const rows = x.map(expand);
  const p = rows[0]?.length ?? 0;
  const xtx = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  const xty = new Array<number>(p).fill(0);
  rows.forEach((r, n) => {
    for (let i = 0; i < p; i++) {
      const ri = r[i] ?? 0;
      xty[i] = (xty[i] ?? 0) + ri * (y[n] ?? 0);
      const row = xtx[i] as number[];
      for (let j = 0; j < p; j++) row[j] = (row[j] ?? 0) + ri * (r[j] ?? 0);
    }
  });
  // A whisker of ridge keeps the solve stable when a basis column is nearly collinear; it does not bias
  // a fit on thousands of rows measurably.
  xtx.forEach((row, i) => {
    row[i] = (row[i] ?? 0) + 1e-6 * rows.length;
  });
  const beta = solveSpd(xtx, xty);
  return { predict: (r) => expand(r).reduce((s, t, i) => s + t * (beta[i] ?? 0), 0) };
}

export function avg(v: readonly number[]): number {
  return v.reduce((s, x) => s + x, 0) / v.length;
}

export function errors(pred: readonly number[], y: readonly number[]): { rmse: number; mae: number } {
  const e = pred.map((p, i) => p - (y[i] ?? 0));
  return { rmse: Math.sqrt(avg(e.map((v) => v * v))), mae: avg(e.map(Math.abs)) };
}
