import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  FAR_OUT_SPANS,
  judgeSweep,
  MONOTONE_TOLERANCE_MM,
  sweepGrid,
} from '../../functions/rollout/validate/check-input-sweep.js';
import type { GoldenData } from '../../functions/rollout/validate/golden-store.js';
import { DEFAULT_THRESHOLDS } from '../../functions/rollout/validate/thresholds.js';
import { validateModel } from '../../functions/rollout/validate/validate.js';
import { FEATURES, PLAUSIBLE_INPUT_RANGES } from '../../functions/shared/contract.js';
import { parseDataset, toMatrices } from '../../functions/shared/dataset.js';
import { readSeatpos } from '../../functions/shared/seatpos.js';
import { canonicalModelBytes, tallTailModel } from '../support/onnx-fixtures.js';

const GOLDEN_PATH = new URL('../../functions/shared/data/golden_set.json', import.meta.url);
let golden: GoldenData;

beforeAll(() => {
  golden = {
    ...toMatrices(parseDataset(JSON.parse(readFileSync(GOLDEN_PATH, 'utf8')))),
    seatpos: readSeatpos(),
  };
});

function validate(bytes: Uint8Array) {
  return validateModel({
    size: bytes.length,
    bytes,
    golden,
    live: { unavailable: 'no alias yet (first rollout)' },
    thresholds: { ...DEFAULT_THRESHOLDS, latencyRuns: 1 },
  });
}

describe('the input sweep grid', () => {
  it('covers the accepted range: every stature step, each other measurement at min, middle and max, all 64 corners', () => {
    const { rows, lineLength } = sweepGrid();
    expect(lineLength).toBe(19);
    expect(rows).toHaveLength(19 * 3 ** 5);
    expect(new Set(rows.map((r) => r[0]))).toEqual(
      new Set(Array.from({ length: 19 }, (_, i) => 130 + 5 * i)),
    );
    const isCorner = (r: number[]) =>
      FEATURES.every(
        (f, i) => r[i] === PLAUSIBLE_INPUT_RANGES[f].min || r[i] === PLAUSIBLE_INPUT_RANGES[f].max,
      );
    expect(new Set(rows.filter(isCorner).map((r) => r.join())).size).toBe(64);
    expect(golden.x.every((r) => (r[0] as number) >= 145 && (r[0] as number) <= 200)).toBe(true);
  });
});

describe('judgeSweep', () => {
  const grid = sweepGrid();
  // seat_position rising 10 mm per row along each line, every other target mid-range.
  const rising = grid.rows.map((_, r) => [10 * (r % grid.lineLength), 30, 113, 50, 50, 0, 0]);

  it('passes finite, in-range, rising, fast predictions', () => {
    expect(judgeSweep(grid, rising, 5, 100).status).toBe('passed');
  });

  it('fails when seat_position drops with height beyond the tolerance, and names where', () => {
    const falling = rising.map((p, r) => [
      r % grid.lineLength === 10 ? (p[0] as number) - 10 - MONOTONE_TOLERANCE_MM - 1 : (p[0] as number),
      ...p.slice(1),
    ]);
    const v = judgeSweep(grid, falling, 5, 100);
    expect(v.status).toBe('failed');
    expect(v.summary).toMatch(
      /^seat_position drops by more than 5 mm as height grows 243 times \(worst 6 mm, first: height 175,/,
    );
    const withinTolerance = rising.map((p, r) => [
      r % grid.lineLength === 10 ? 85 : (p[0] as number),
      ...p.slice(1),
    ]);
    expect(judgeSweep(grid, withinTolerance, 5, 100).status).toBe('passed');
  });

  it('fails a grid that runs over the latency budget', () => {
    const v = judgeSweep(grid, rising, 4617, 100);
    expect(v).toMatchObject({ status: 'failed', summary: '1000 µs per row (budget 100 µs)' });
  });

  it(`fails settings beyond ${FAR_OUT_SPANS} actuator spans, not an overshoot near the stops`, () => {
    const overshoot = rising.map((p) => [p[0] as number, 60 + (FAR_OUT_SPANS - 1) * 60, ...p.slice(2)]);
    expect(judgeSweep(grid, overshoot, 5, 100).status).toBe('passed');
    const absurd = rising.map((p) => [p[0] as number, 60 + FAR_OUT_SPANS * 60 + 1, ...p.slice(2)]);
    expect(judgeSweep(grid, absurd, 5, 100).summary).toMatch(
      /^4617 rows beyond an actuator range by > 5 spans/,
    );
  });
});

describe('the input_sweep check', () => {
  it('passes the default model', async () => {
    const result = await validate(canonicalModelBytes());
    expect(result.checks.find((c) => c.name === 'input_sweep')).toMatchObject({
      status: 'passed',
      details: { rows: 4617, nonFiniteRows: 0, farOutRows: 0, monotoneDrops: 0 },
    });
  });

  it('rejects a model that answers NaN only above 210 cm, which every other check passes', async () => {
    const result = await validate(tallTailModel('nan'));
    expect(result.failed).toEqual(['input_sweep']);
    expect(result.checks.find((c) => c.name === 'input_sweep')?.summary).toMatch(
      /^729 rows with NaN\/Inf \(first: height 210, upper_arm 20,/,
    );
  });

  it('rejects a model that answers absurd settings only above 210 cm', async () => {
    const result = await validate(tallTailModel('absurd'));
    expect(result.failed).toEqual(['input_sweep']);
    expect(result.checks.find((c) => c.name === 'input_sweep')?.summary).toMatch(
      /^486 rows beyond an actuator range by > 5 spans \(first: height 215,/,
    );
  });
});
