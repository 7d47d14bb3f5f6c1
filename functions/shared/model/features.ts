/**
 * Optional feature expansions on one input column (stature carries almost all of the signal,
 * docs/domain.md §1). The same definition is evaluated here for training/prediction and emitted as ONNX
 * nodes by onnx-writer.ts; the parity tests keep the two equal.
 *
 * - hinge terms max(0, direction·(x − knot)) turn the linear fit into a piecewise-linear spline,
 *   which follows the actuator end stops (steering reach saturates at both ends of the telescope,
 *   seat travel at 240 mm) and still extrapolates linearly into the stature tails;
 * - a centred square (x − c)² is the cheap smooth alternative the comparison is run against.
 */
import type { FlatMatrix } from './ridge.js';

export interface Expansion {
  /** Index of the source column in the model's input (FEATURES order for trained models). */
  feature: number;
  hinges: { knot: number; direction: 1 | -1 }[];
  square?: { center: number };
}

export function expandedWidth(width: number, e: Expansion | undefined): number {
  if (!e) return width;
  return width + e.hinges.length + (e.square ? 1 : 0);
}

/** expandRow over a whole flat matrix, without per-row allocations (cold-start training). */
export function expandFlat(m: FlatMatrix, e: Expansion | undefined): FlatMatrix {
  if (!e) return m;
  const cols = expandedWidth(m.cols, e);
  const data = new Float64Array(m.rows * cols);
  for (let i = 0; i < m.rows; i++) {
    const o = i * cols;
    for (let j = 0; j < m.cols; j++) data[o + j] = m.data[i * m.cols + j] as number;
    const v = m.data[i * m.cols + e.feature] as number;
    let k = o + m.cols;
    for (const h of e.hinges) data[k++] = Math.max(0, h.direction * (v - h.knot));
    if (e.square) data[k] = (v - e.square.center) ** 2;
  }
  return { data, rows: m.rows, cols };
}

export function expandRow(row: readonly number[], e: Expansion | undefined): number[] {
  if (!e) return row.slice();
  const v = row[e.feature] as number;
  const out = row.slice();
  for (const h of e.hinges) out.push(Math.max(0, h.direction * (v - h.knot)));
  if (e.square) out.push((v - e.square.center) ** 2);
  return out;
}

/** Empirical quantiles (linear interpolation) of one column; used to place hinge knots. */
export function quantiles(values: readonly number[], qs: readonly number[]): number[] {
  const s = Float64Array.from(values).sort();
  return qs.map((q) => quantileOfSorted(s, q));
}

function quantileOfSorted(s: Float64Array, q: number): number {
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, s.length - 1);
  return (s[lo] as number) + ((s[hi] as number) - (s[lo] as number)) * (pos - lo);
}
