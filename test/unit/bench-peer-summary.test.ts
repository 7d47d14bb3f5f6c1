import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  compareRows,
  formatTable,
  type ModelReport,
  median,
  parsePythonJson,
  peerRunSchema,
  percentile,
  summarise,
  withinTolerance,
} from '../../scripts/bench/peer/summary.js';

describe('bench:peer summary', () => {
  it('takes percentiles by the lower nearest rank, like bench:recommend', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 0.5)).toBe(51);
    expect(percentile(sorted, 0.99)).toBe(100);
    expect(percentile(sorted, 0)).toBe(1);
    expect(percentile(sorted, 1)).toBe(100);
    expect(percentile([7], 0.99)).toBe(7);
    expect(() => percentile([], 0.5)).toThrow(/no samples/);
    expect(() => percentile([1], 1.5)).toThrow(/quantile/);
  });

  it('takes medians of odd and even counts without reordering its input', () => {
    const xs = [3, 1, 2];
    expect(median(xs)).toBe(2);
    expect(xs).toEqual([3, 1, 2]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('summarises raw durations in either unit into µs', () => {
    const ns = [5000, 1000, 3000, 2000, 4000];
    expect(summarise(ns, 1e-3)).toEqual({ calls: 5, p50Us: 3, p99Us: 5, meanUs: 3 });
    const ms = [0.002, 0.001];
    const s = summarise(ms, 1000);
    expect(s.p50Us).toBeCloseTo(2, 9);
    expect(s.meanUs).toBeCloseTo(1.5, 9);
  });

  it('compares absolutely within ±1 and relatively beyond', () => {
    expect(withinTolerance(0.50009, 0.5, 1e-4)).toBe(true);
    expect(withinTolerance(0.5002, 0.5, 1e-4)).toBe(false);
    expect(withinTolerance(200.015, 200, 1e-4)).toBe(true);
    expect(withinTolerance(200.03, 200, 1e-4)).toBe(false);
    expect(withinTolerance(Number.NaN, 0, 1e-4)).toBe(false);
  });

  it('counts disagreeing values and names the worst', () => {
    const a = compareRows(
      [
        [1, 200.001],
        [0.3, Number.NaN],
      ],
      [
        [1, 200],
        [0.5, 4],
      ],
      1e-4,
    );
    expect(a).toMatchObject({ rows: 2, values: 4, failures: 2, maxAbsErr: Number.POSITIVE_INFINITY });
    expect(a.worst).toMatchObject({ row: 1, column: 1, want: 4 });
    expect(compareRows([[1, 2]], [[1, 2]], 1e-4)).toMatchObject({ failures: 0, maxScaledErr: 0 });
    expect(() => compareRows([[1]], [[1, 2]], 1e-4)).toThrow(/row 0/);
    expect(() => compareRows([], [[1]], 1e-4)).toThrow(/0 rows/);
  });

  it("parses the Python scripts' stdout or says what was wrong", () => {
    const run = {
      importMs: 600,
      loadMs: 500,
      reloadMs: 1,
      firstCallMs: 0.5,
      firstBody: { status: 'success', data: { seat_position: 140 } },
      maxRssMb: 100,
      durationsNs: [1000, 2000],
    };
    expect(parsePythonJson(peerRunSchema, JSON.stringify(run), 'run.py').durationsNs).toEqual([1000, 2000]);
    expect(() => parsePythonJson(peerRunSchema, 'Traceback (most recent call last):', 'run.py')).toThrow(
      /run.py did not print one JSON object.*Traceback/,
    );
    expect(() =>
      parsePythonJson(peerRunSchema, JSON.stringify({ ...run, durationsNs: [] }), 'run.py'),
    ).toThrow(/run.py printed unexpected JSON/);
    expect(parsePythonJson(z.number(), '3', 'x')).toBe(3);
  });

  it('prints one column per measured model class', () => {
    const m = {
      ours_p50_us: 20,
      peer_p50_us: 60,
      p50_ratio: 3,
      p50_ratio_paired: 3,
      p50_target_ratio: 2,
      p50_target_met: true,
      ours_p99_us: 50,
      peer_p99_us: 100,
      p99_ratio: 2,
      ours_load_ms: 5,
      peer_load_ms: 500,
      peer_reload_ms: 1,
      ours_init_ms: 300,
      peer_init_ms: 900,
      ours_artifact_bytes: 984,
      peer_artifact_bytes: 975,
      ours_max_rss_mb: 100,
      peer_max_rss_mb: 90,
      equivalence: { maxScaledErr: 1e-5 },
    } as unknown as ModelReport;
    const table = formatTable({ mlp: m });
    expect(table.split('\n')[0]).toMatch(/^\s+mlp$/);
    expect(table).toMatch(/p50 ratio peer\/ours \(target\)\s+3\.00× \(≥2×\)/);
    expect(table).not.toMatch(/forest/);
  });
});
