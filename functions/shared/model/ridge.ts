/**
 * Closed-form multi-output ridge regression on standardised features.
 *
 * Standardising first makes one λ mean the same thing for every column (stature in cm and a hinge
 * term in cm would otherwise be penalised differently) and keeps the normal equations well
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

/** Row-major matrix in one typed array: the recommend cold start trains on it without nested arrays. */
export interface FlatMatrix {
  data: Float64Array;
  rows: number;
  cols: number;
}

export function toFlat(m: number[][]): FlatMatrix {
  const rows = m.length;
  const cols = m[0]?.length ?? 0;
  const data = new Float64Array(rows * cols);
  m.forEach((r, i) => {
    data.set(r, i * cols);
  });
  return { data, rows, cols };
}

export function fitRidge(x: number[][], y: number[][], lambda: number): LinearFit {
  return fitRidgeFlat(toFlat(x), toFlat(y), lambda);
}

export function fitRidgeFlat(x: FlatMatrix, y: FlatMatrix, lambda: number): LinearFit {
  const { rows: n, cols: d } = x;
  const t = y.cols;
  if (n < 2 || d === 0 || t === 0 || y.rows !== n)
    throw new Error('fitRidge: need at least 2 rows of x and y');
  const xs = x.data;
  const ys = y.data;

  const mean = columnMeans(x);
  const yMean = columnMeans(y);
  // Cross products of the centred columns, then divided by the scales once at the end.
  const a = new Float64Array(d * d);
  const b = new Float64Array(d * t);
  const c = new Float64Array(d);
  const e = new Float64Array(t);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) c[j] = (xs[i * d + j] as number) - (mean[j] as number);
    for (let k = 0; k < t; k++) e[k] = (ys[i * t + k] as number) - (yMean[k] as number);
    for (let j = 0; j < d; j++) {
      const cj = c[j] as number;
      for (let k = 0; k <= j; k++) a[j * d + k] = (a[j * d + k] as number) + cj * (c[k] as number);
      for (let k = 0; k < t; k++) b[j * t + k] = (b[j * t + k] as number) + cj * (e[k] as number);
    }
  }
  // A constant column gets scale 1 so it simply contributes nothing instead of dividing by zero.
  const scale = Array.from({ length: d }, (_, j) => Math.sqrt((a[j * d + j] as number) / n) || 1);

  // Normal equations on the standardised design Z: (ZᵀZ + λI) W = Zᵀ(Y − ȳ).
  const am: number[][] = [];
  const bm: number[][] = [];
  for (let j = 0; j < d; j++) {
    const sj = scale[j] as number;
    am.push(
      Array.from({ length: d }, (_, k) => {
        const v = (k <= j ? a[j * d + k] : a[k * d + j]) as number;
        return v / (sj * (scale[k] as number)) + (k === j ? lambda : 0);
      }),
    );
    bm.push(Array.from(b.subarray(j * t, (j + 1) * t), (v) => v / sj));
  }
  return { mean, scale, weights: choleskySolve(am, bm), intercept: yMean };
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

function columnMeans(m: FlatMatrix): number[] {
  const s = new Array<number>(m.cols).fill(0);
  for (let i = 0; i < m.rows; i++) {
    for (let j = 0; j < m.cols; j++) s[j] = (s[j] as number) + (m.data[i * m.cols + j] as number);
  }
  return s.map((v) => v / m.rows);
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
