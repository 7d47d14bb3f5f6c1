/** The little linear algebra the generator and its noise report need (small dense matrices). */

/** Lower-triangular L with L·Lᵀ = a; throws when a is not symmetric positive definite. */
export function cholesky(a: readonly (readonly number[])[]): number[][] {
  const n = a.length;
  const l = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = at(a, i, j);
      for (let k = 0; k < j; k++) sum -= at(l, i, k) * at(l, j, k);
      if (i === j) {
        if (sum <= 0) throw new Error(`matrix is not positive definite (pivot ${i}: ${sum})`);
        row(l, i)[j] = Math.sqrt(sum);
      } else {
        row(l, i)[j] = sum / at(l, j, j);
      }
    }
  }
  return l;
}

/** y = L·z for a lower-triangular L. */
export function lowerTimes(l: readonly (readonly number[])[], z: readonly number[]): number[] {
  return l.map((r, i) => {
    let sum = 0;
    for (let k = 0; k <= i; k++) sum += (r[k] ?? 0) * (z[k] ?? 0);
    return sum;
  });
}

/** Solves a·x = b for symmetric positive definite a (normal equations), via Cholesky. */
export function solveSpd(a: readonly (readonly number[])[], b: readonly number[]): number[] {
  const l = cholesky(a);
  const n = b.length;
  const y = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    let sum = b[i] ?? 0;
    for (let k = 0; k < i; k++) sum -= at(l, i, k) * (y[k] ?? 0);
    y[i] = sum / at(l, i, i);
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let sum = y[i] ?? 0;
    for (let k = i + 1; k < n; k++) sum -= at(l, k, i) * (x[k] ?? 0);
    x[i] = sum / at(l, i, i);
  }
  return x;
}

function row(m: number[][], i: number): number[] {
  const r = m[i];
  if (!r) throw new Error(`row ${i} out of range`);
  return r;
}

function at(m: readonly (readonly number[])[], i: number, j: number): number {
  const v = m[i]?.[j];
  if (v === undefined) throw new Error(`index (${i}, ${j}) out of range`);
  return v;
}
