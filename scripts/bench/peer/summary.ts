import { z } from 'zod';

/**
 * The pure parts of `npm run bench:peer` (scripts/bench/peer.ts): percentiles, the Python scripts'
 * JSON outputs, the ONNX-vs-scikit-learn tolerance and the readable table.
 */

export const MODEL_KINDS = ['linear', 'mlp', 'forest'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

/** How many times faster than the peer our handler must be at p50 (the performance issue). */
export const P50_TARGETS: Record<ModelKind, number> = { linear: 2, mlp: 2, forest: 10 };

/**
 * The q-quantile of ascending `sorted` by the lower nearest rank, sorted[min(n-1, floor(q·n))]: the
 * definition scripts/bench/recommend.ts uses, applied to both designs' raw durations alike.
 */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) throw new Error('percentile of no samples');
  if (!(q >= 0 && q <= 1)) throw new Error(`quantile ${q} is not within [0, 1]`);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median of nothing');
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

export interface LatencySummary {
  calls: number;
  p50Us: number;
  p99Us: number;
  meanUs: number;
}

/** Per-call durations (any unit, `toUs` converts one to µs) to p50/p99/mean in µs. */
export function summarise(durations: ArrayLike<number>, toUs: number): LatencySummary {
  const us = Float64Array.from(durations, (d) => d * toUs).sort();
  let sum = 0;
  for (const d of us) sum += d;
  return {
    calls: us.length,
    p50Us: percentile(us, 0.5),
    p99Us: percentile(us, 0.99),
    meanUs: sum / us.length,
  };
}

/** What scripts/bench/peer/run.py prints: one peer environment. */
export const peerRunSchema = z.object({
  importMs: z.number(),
  loadMs: z.number(),
  reloadMs: z.number(),
  firstCallMs: z.number(),
  firstBody: z.object({ status: z.literal('success'), data: z.record(z.string(), z.number()) }).loose(),
  maxRssMb: z.number(),
  durationsNs: z.array(z.number().int().nonnegative()).min(1),
});
export type PeerRun = z.infer<typeof peerRunSchema>;

const trainedSchema = z.object({
  params: z.record(z.string(), z.unknown()),
  fit_seconds: z.number(),
  train_rmse: z.record(z.string(), z.number()),
  joblib_path: z.string(),
  joblib_bytes: z.number().int().positive(),
  onnx_path: z.string(),
  onnx_bytes: z.number().int().positive(),
});

/** What scripts/bench/peer/train.py prints. */
export const trainSummarySchema = z.object({
  python: z.string(),
  python_executable: z.string(),
  sklearn: z.string(),
  numpy: z.string(),
  joblib: z.string(),
  onnx: z.string(),
  training_rows: z.number().int().positive(),
  training_data_sha256: z.string(),
  models: z.object({ linear: trainedSchema, mlp: trainedSchema, forest: trainedSchema }),
});
export type TrainSummary = z.infer<typeof trainSummarySchema>;

/** Parses a Python script's stdout: exactly one JSON object, checked against `schema`. */
export function parsePythonJson<T>(schema: z.ZodType<T>, stdout: string, what: string): T {
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch (err) {
    const head = stdout.slice(0, 200).replace(/\s+/g, ' ');
    throw new Error(`${what} did not print one JSON object (${(err as Error).message}): ${head}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new Error(`${what} printed unexpected JSON: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/**
 * The equivalence criterion: |got − want| ≤ tol·max(1, |want|) — absolute for values within ±1,
 * relative beyond (seat_position is in the hundreds of mm, where float32 alone carries ~1e-5).
 */
export function withinTolerance(got: number, want: number, tol: number): boolean {
  return Number.isFinite(got) && Math.abs(got - want) <= tol * Math.max(1, Math.abs(want));
}

export interface Agreement {
  rows: number;
  values: number;
  tolerance: number;
  maxAbsErr: number;
  /** max |got − want| / max(1, |want|): the quantity compared with the tolerance. */
  maxScaledErr: number;
  failures: number;
  worst?: { row: number; column: number; got: number; want: number };
}

/** Compares two row-major prediction matrices value by value. */
export function compareRows(
  got: ReadonlyArray<ReadonlyArray<number>>,
  want: ReadonlyArray<ReadonlyArray<number>>,
  tolerance: number,
): Agreement {
  if (got.length !== want.length) throw new Error(`${got.length} rows predicted, ${want.length} expected`);
  const out: Agreement = {
    rows: want.length,
    values: 0,
    tolerance,
    maxAbsErr: 0,
    maxScaledErr: 0,
    failures: 0,
  };
  want.forEach((wantRow, r) => {
    const gotRow = got[r] as ReadonlyArray<number>;
    if (gotRow.length !== wantRow.length) {
      throw new Error(`row ${r}: ${gotRow.length} values predicted, ${wantRow.length} expected`);
    }
    wantRow.forEach((w, c) => {
      const g = gotRow[c] as number;
      out.values++;
      const abs = Number.isFinite(g) ? Math.abs(g - w) : Number.POSITIVE_INFINITY;
      const scaled = abs / Math.max(1, Math.abs(w));
      if (!withinTolerance(g, w, tolerance)) out.failures++;
      out.maxAbsErr = Math.max(out.maxAbsErr, abs);
      if (out.worst === undefined || scaled > out.maxScaledErr) {
        out.worst = { row: r, column: c, got: g, want: w };
        out.maxScaledErr = scaled;
      }
    });
  });
  return out;
}

export interface ModelReport {
  params: Record<string, unknown>;
  ours_p50_us: number;
  ours_p99_us: number;
  ours_mean_us: number;
  peer_p50_us: number;
  peer_p99_us: number;
  peer_mean_us: number;
  /** peer p50 / ours p50: how many times faster our handler is at the median. */
  p50_ratio: number;
  /** Median over repeats of each repeat's own peer/ours p50: pairs measured back to back. */
  p50_ratio_paired: number;
  p99_ratio: number;
  p50_target_ratio: number;
  p50_target_met: boolean;
  ours_load_ms: number;
  ours_init_ms: number;
  ours_first_call_ms: number;
  peer_load_ms: number;
  peer_reload_ms: number;
  peer_init_ms: number;
  peer_first_call_ms: number;
  ours_artifact_bytes: number;
  peer_artifact_bytes: number;
  ours_max_rss_mb: number;
  peer_max_rss_mb: number;
  equivalence: Agreement;
  runs: Array<{
    repeat: number;
    order: string;
    ours_p50_us: number;
    ours_p99_us: number;
    peer_p50_us: number;
    peer_p99_us: number;
    p50_ratio: number;
  }>;
}

const fmt = (x: number, digits = 1) => x.toFixed(digits);

/** The human-readable table of the report's models. */
export function formatTable(models: Partial<Record<ModelKind, ModelReport>>): string {
  const kinds = MODEL_KINDS.filter((k) => models[k]);
  const rows: Array<[string, (m: ModelReport) => string]> = [
    ['warm p50 per call, ours (µs)', (m) => fmt(m.ours_p50_us)],
    ['warm p50 per call, peer (µs)', (m) => fmt(m.peer_p50_us)],
    ['p50 ratio peer/ours (target)', (m) => `${fmt(m.p50_ratio, 2)}× (≥${m.p50_target_ratio}×)`],
    ['  median of per-repeat ratios', (m) => `${fmt(m.p50_ratio_paired, 2)}×`],
    ['p50 target met', (m) => (m.p50_target_met ? 'yes' : 'NO')],
    ['warm p99 per call, ours (µs)', (m) => fmt(m.ours_p99_us)],
    ['warm p99 per call, peer (µs)', (m) => fmt(m.peer_p99_us)],
    ['p99 ratio peer/ours', (m) => `${fmt(m.p99_ratio, 2)}×`],
    ['model load, ours: session (ms)', (m) => fmt(m.ours_load_ms, 2)],
    ['model load, peer: joblib.load (ms)', (m) => fmt(m.peer_load_ms, 2)],
    ['  peer joblib.load again (ms)', (m) => fmt(m.peer_reload_ms, 2)],
    ['init, ours: bundle import (ms)', (m) => fmt(m.ours_init_ms)],
    ['init, peer: imports + load (ms)', (m) => fmt(m.peer_init_ms)],
    ['artifact, ours: ONNX (bytes)', (m) => String(m.ours_artifact_bytes)],
    ['artifact, peer: joblib (bytes)', (m) => String(m.peer_artifact_bytes)],
    ['peak RSS ours / peer (MB)', (m) => `${fmt(m.ours_max_rss_mb, 0)} / ${fmt(m.peer_max_rss_mb, 0)}`],
    ['ONNX vs sklearn max scaled err', (m) => m.equivalence.maxScaledErr.toExponential(1)],
  ];
  const width = 36;
  const col = 18;
  const lines = [`${''.padEnd(width)}${kinds.map((k) => k.padStart(col)).join('')}`];
  for (const [label, cell] of rows) {
    lines.push(
      `${label.padEnd(width)}${kinds.map((k) => cell(models[k] as ModelReport).padStart(col)).join('')}`,
    );
  }
  return lines.join('\n');
}
