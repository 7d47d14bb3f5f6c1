/**
 * Closed-form multi-output ridge regression on standardised features.
 *
 * Standardising first makes one λ mean the same thing for every column (stature in cm and a hinge
 * term in cm² would otherwise be penalised very differently) and keeps the normal equations well
 * conditioned although the five segments are strongly collinear with stature. The intercept is not
 * penalised: it is the mean of each target.
 */
export interface LinearFit {
  /** Column means and standard deviations used to standardise the design matrix. */
  mean: number[];
  scale: number[];
  /** weights[j][t]: effect of standardised column j on target t. */
  weights: number[][];
  intercept: number[];
}

export function fitRidge(x: number[][], y: number[][], lambda: number): LinearFit {
  const n = x.length;
  const d = x[0]?.length ?? 0;
  const t = y[0]?.length ?? 0;
  if (n < 2 || d === 0 || t === 0 || y.length !== n)
    throw new Error('fitRidge: need at least 2 rows of x and y');

  const mean = columnMeans(x, d);
  const scale = new Array<number>(d).fill(0);
  for (const row of x) {
    for (let j = 0; j < d; j++)
      scale[j] = (scale[j] as number) + ((row[j] as number) - (mean[j] as number)) ** 2;
  }
  // A constant column gets scale 1 so it simply contributes nothing instead of dividing by zero.
  for (let j = 0; j < d; j++) scale[j] = Math.sqrt((scale[j] as number) / n) || 1;
  const yMean = columnMeans(y, t);

  // Normal equations (ZᵀZ + λI) W = Zᵀ(Y − ȳ), accumulated row by row without materialising Z.
  const a = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  const b = Array.from({ length: d }, () => new Array<number>(t).fill(0));
  const z = new Array<number>(d);
  for (let i = 0; i < n; i++) {
    const xi = x[i] as number[];
    const yi = y[i] as number[];
    for (let j = 0; j < d; j++) z[j] = ((xi[j] as number) - (mean[j] as number)) / (scale[j] as number);
    for (let j = 0; j < d; j++) {
      const zj = z[j] as number;
      const aj = a[j] as number[];
      for (let k = 0; k <= j; k++) aj[k] = (aj[k] as number) + zj * (z[k] as number);
      const bj = b[j] as number[];
      for (let k = 0; k < t; k++) bj[k] = (bj[k] as number) + zj * ((yi[k] as number) - (yMean[k] as number));
    }
  }
  for (let j = 0; j < d; j++) {
    const aj = a[j] as number[];
    aj[j] = (aj[j] as number) + lambda;
    for (let k = 0; k < j; k++) (a[k] as number[])[j] = aj[k] as number;
  }
  return { mean, scale, weights: choleskySolve(a, b), intercept: yMean };
}

export function predictLinear(fit: LinearFit, row: readonly number[]): number[] {
  const out = fit.intercept.slice();
  for (let j = 0; j < fit.mean.length; j++) {
    const zj = ((row[j] as number) - (fit.mean[j] as number)) / (fit.scale[j] as number);
    const wj = fit.weights[j] as number[];
    for (let k = 0; k < out.length; k++) out[k] = (out[k] as number) + zj * (wj[k] as number);
  }
  return out;
}

function columnMeans(m: number[][], width: number): number[] {
  const s = new Array<number>(width).fill(0);
  for (const row of m) for (let j = 0; j < width; j++) s[j] = (s[j] as number) + (row[j] as number);
  return s.map((v) => v / m.length);
}

/** Solves A X = B for symmetric positive definite A (ridge guarantees it for λ > 0). */
export function choleskySolve(a: number[][], b: number[][]): number[][] {
  const d = a.length;
  const l = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  for (let i = 0; i < d; i++) {
    const li = l[i] as number[];
    for (let j = 0; j <= i; j++) {
      const lj = l[j] as number[];
      let s = (a[i] as number[])[j] as number;
      for (let k = 0; k < j; k++) s -= (li[k] as number) * (lj[k] as number);
      if (i === j) {
        if (!(s > 0)) throw new Error('choleskySolve: matrix is not positive definite');
        li[i] = Math.sqrt(s);
      } else {
        li[j] = s / (lj[j] as number);
      }
    }
  }
  const cols = b[0]?.length ?? 0;
  const x = Array.from({ length: d }, () => new Array<number>(cols).fill(0));
  for (let c = 0; c < cols; c++) {
    const w = new Array<number>(d);
    for (let i = 0; i < d; i++) {
      let s = (b[i] as number[])[c] as number;
      for (let k = 0; k < i; k++) s -= ((l[i] as number[])[k] as number) * (w[k] as number);
      w[i] = s / ((l[i] as number[])[i] as number);
    }
    for (let i = d - 1; i >= 0; i--) {
      let s = w[i] as number;
      for (let k = i + 1; k < d; k++)
        s -= ((l[k] as number[])[i] as number) * ((x[k] as number[])[c] as number);
      (x[i] as number[])[c] = s / ((l[i] as number[])[i] as number);
    }
  }
  return x;
}
