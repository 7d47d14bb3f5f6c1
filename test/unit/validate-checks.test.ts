import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { checkAccuracy, measureAccuracy } from '../../functions/rollout/validate/check-accuracy.js';
import { checkFinite } from '../../functions/rollout/validate/check-finite.js';
import { checkLatency, measureLatency } from '../../functions/rollout/validate/check-latency.js';
import { checkNonRegression } from '../../functions/rollout/validate/check-non-regression.js';
import { inspectOnnx } from '../../functions/rollout/validate/check-parses.js';
import { checkRanges } from '../../functions/rollout/validate/check-ranges.js';
import type { CheckResult } from '../../functions/rollout/validate/check-result.js';
import { checkSeatpos } from '../../functions/rollout/validate/check-seatpos.js';
import { checkSize } from '../../functions/rollout/validate/check-size.js';
import { diffSignatures } from '../../functions/rollout/validate/signature-diff.js';
import { NOISE_FLOOR_RMSE } from '../../functions/rollout/validate/thresholds.js';
import { rejectionCause } from '../../functions/rollout/validate/validate.js';
import { ACTUATOR_RANGES, TARGETS } from '../../functions/shared/contract.js';
import type { ModelSignature } from '../../functions/shared/model-signature.js';
import { readSeatpos } from '../../functions/shared/seatpos.js';

const SEATPOS = readSeatpos();

/** The pure checks on hand-made numbers: each threshold's boundary, no ONNX runtime involved. */

/** A row in the middle of every actuator range. */
const MID = TARGETS.map((t) => (ACTUATOR_RANGES[t].min + ACTUATOR_RANGES[t].max) / 2);
const rows = (n: number, row: number[] = MID) => Array.from({ length: n }, () => [...row]);

describe('size', () => {
  it('refuses empty files and files over the limit, inclusive limit', () => {
    expect(checkSize(0, 100)).toMatchObject({ status: 'failed', summary: 'the file is empty' });
    expect(checkSize(100, 100).status).toBe('passed');
    expect(checkSize(101, 100)).toMatchObject({
      status: 'failed',
      summary: '101 bytes is over the 100-byte limit',
    });
  });
});

describe('parses', () => {
  const encode = (m: onnxProto.onnx.IModelProto) => onnxProto.onnx.ModelProto.encode(m).finish();
  it('needs an IR version and a graph, not just decodable protobuf', () => {
    expect(inspectOnnx(new Uint8Array()).verdict.summary).toMatch(/no ir_version/);
    expect(inspectOnnx(encode({ irVersion: 8 })).verdict.summary).toMatch(/no graph/);
    expect(inspectOnnx(new TextEncoder().encode('{"not":"onnx"}')).verdict.status).toBe('failed');
  });
  it('lists operators and opsets of a real model', () => {
    const bytes = encode({
      irVersion: 8,
      producerName: 'skl2onnx',
      opsetImport: [
        { domain: '', version: 17 },
        { domain: 'ai.onnx.ml', version: 1 },
      ],
      graph: { node: [{ opType: 'LinearRegressor', domain: 'ai.onnx.ml' }, { opType: 'Identity' }] },
    });
    const { verdict, info } = inspectOnnx(bytes);
    expect(verdict.status).toBe('passed');
    expect(info?.operators).toEqual(['ai.onnx.ml:LinearRegressor', 'ai.onnx:Identity']);
    expect(info?.opsets).toEqual([
      { domain: 'ai.onnx', version: 17 },
      { domain: 'ai.onnx.ml', version: 1 },
    ]);
  });
});

describe('finite', () => {
  it('counts rows and targets with NaN or Infinity', () => {
    const pred = rows(10);
    (pred[2] as number[])[0] = Number.NaN;
    (pred[2] as number[])[3] = Number.POSITIVE_INFINITY;
    (pred[7] as number[])[6] = Number.NEGATIVE_INFINITY;
    const c = checkFinite(pred);
    expect(c.status).toBe('failed');
    expect(c.details).toMatchObject({
      nonFiniteRows: 2,
      nonFinitePerTarget: { seat_position: 1, steering_tilt: 1, mirror_pan: 1 },
    });
    expect(checkFinite(rows(10)).status).toBe('passed');
  });
});

describe('ranges', () => {
  const span = ACTUATOR_RANGES.seat_height.max - ACTUATOR_RANGES.seat_height.min;
  const withSeatHeight = (value: number) =>
    TARGETS.map((t, i) => (t === 'seat_height' ? value : (MID[i] as number)));

  it('counts a value as far out only beyond margin × span', () => {
    const atMargin = [withSeatHeight(ACTUATOR_RANGES.seat_height.max + 0.5 * span)];
    expect(checkRanges(atMargin, 0.5, 0).status).toBe('passed');
    const beyond = [withSeatHeight(ACTUATOR_RANGES.seat_height.max + 0.51 * span)];
    const c = checkRanges(beyond, 0.5, 0);
    expect(c.status).toBe('failed');
    expect(c.details).toMatchObject({ farOutsideRows: 1, outsidePerTarget: { seat_height: 1 } });
    expect(c.summary).toContain('seat_height up to 0.51 spans out');
  });

  it('tolerates up to the allowed fraction of rows', () => {
    const pred = rows(100);
    for (let i = 0; i < 3; i++) pred[i] = withSeatHeight(-span);
    expect(checkRanges(pred, 0.5, 0.03).status).toBe('passed');
    pred[3] = withSeatHeight(-span);
    expect(checkRanges(pred, 0.5, 0.03)).toMatchObject({
      status: 'failed',
      details: { farOutsideFraction: 0.04 },
    });
  });

  it('leaves NaN to the finite check but counts Infinity', () => {
    expect(checkRanges([withSeatHeight(Number.NaN)], 0.5, 0).status).toBe('passed');
    expect(checkRanges([withSeatHeight(Number.POSITIVE_INFINITY)], 0.5, 0).status).toBe('failed');
  });
});

describe('accuracy', () => {
  const truth = rows(50);
  const shifted = (k: number) =>
    truth.map((r) => r.map((v, i) => v + k * NOISE_FLOOR_RMSE[TARGETS[i] as (typeof TARGETS)[number]]));

  it('passes within factor × floor on every target and fails beyond', () => {
    expect(checkAccuracy(measureAccuracy(shifted(1.2), truth), 1.25).status).toBe('passed');
    const c = checkAccuracy(measureAccuracy(shifted(1.3), truth), 1.25);
    expect(c.status).toBe('failed');
    for (const t of TARGETS) expect(c.summary).toContain(t);
  });

  it('judges what drivers get: predictions clamped to the actuator range', () => {
    const atMax = TARGETS.map((t) => ACTUATOR_RANGES[t].max);
    const overshoot = TARGETS.map((t) => ACTUATOR_RANGES[t].max + 10);
    const acc = measureAccuracy([overshoot], [atMax]);
    for (const t of TARGETS) {
      expect(acc.rmse[t]).toBe(0);
      expect(acc.rawRmse[t]).toBe(10);
    }
    expect(acc.headline).toBe(0);
  });

  it('a NaN prediction fails accuracy instead of passing silently', () => {
    const pred = rows(50);
    (pred[0] as number[])[0] = Number.NaN;
    expect(checkAccuracy(measureAccuracy(pred, truth), 1.25).status).toBe('failed');
  });
});

describe('non-regression', () => {
  const truth = rows(10);
  const at = (k: number) =>
    measureAccuracy(
      truth.map((r) => r.map((v, i) => v + k * NOISE_FLOOR_RMSE[TARGETS[i] as (typeof TARGETS)[number]])),
      truth,
    );
  it('allows up to maxRegression worse on the headline, both measured now', () => {
    const live = at(1);
    expect(checkNonRegression(at(1.049), live, 0.05).status).toBe('passed');
    const c = checkNonRegression(at(1.06), live, 0.05);
    expect(c.status).toBe('failed');
    expect(c.summary).toBe('headline 1.06 vs live 1 (+6 %, limit +5 %)');
    expect(checkNonRegression(at(0.5), live, 0).status).toBe('passed');
  });
});

describe('latency', () => {
  it('takes the median of the measured run times after a warm-up run', async () => {
    const durations = [80, 2, 2, 50, 2];
    let call = 0;
    const slowFirst = async () => durations[call++] ?? 0;
    const m = await measureLatency(slowFirst, 1000, 4);
    expect(call).toBe(5);
    // Runs of 2, 2, 50, 2 ms over 1000 rows: median 2 µs per row, not the 80 ms warm-up or the 50 ms hiccup.
    expect(m.runsUsPerRow).toEqual([2, 2, 50, 2]);
    expect(m.medianUsPerRow).toBe(2);
    expect(checkLatency(m, 1000, 100).status).toBe('passed');
    expect(checkLatency(m, 1000, 0.001).status).toBe('failed');
  });
});

describe('seatpos', () => {
  const further = SEATPOS.hipcenter.map((h) => -h);
  it('needs predicted seat_position to rise with how far back real drivers sit', () => {
    expect(checkSeatpos(further, SEATPOS, 0.6)).toMatchObject({ status: 'passed', details: { r: 1, n: 38 } });
    expect(checkSeatpos(SEATPOS.hipcenter, SEATPOS, 0.6).status).toBe('failed');
    const constant = checkSeatpos(
      further.map(() => 120),
      SEATPOS,
      0.6,
    );
    expect(constant.status).toBe('failed');
    expect(constant.summary).toContain('does not vary');
  });
  it('stature alone clears the threshold (docs/dataset.md anchors: r ≈ 0.80)', () => {
    const stature = SEATPOS.rows.map((r) => r[0] as number);
    const c = checkSeatpos(stature, SEATPOS, 0.6);
    expect(c.status).toBe('passed');
    expect(c.details?.r).toBeGreaterThan(0.75);
  });
});

describe('signature diff', () => {
  const sig: ModelSignature = {
    inputs: [{ name: 'input', isTensor: true, type: 'float32', shape: ['N', 6] }],
    outputs: [{ name: 'output', isTensor: true, type: 'float32', shape: ['N', 7] }],
  };
  it('is empty for identical models and names every changed field', () => {
    expect(
      diffSignatures({ signature: sig, metadata: { a: '1' } }, { signature: sig, metadata: { a: '1' } }),
    ).toEqual([]);
    const other: ModelSignature = {
      inputs: [
        { name: 'float_input', isTensor: true, type: 'float64', shape: [-1, 6] },
        { name: 'extra', isTensor: true, type: 'float32', shape: ['N', 1] },
      ],
      outputs: [{ name: 'variable', isTensor: true, type: 'float32', shape: ['N', 7] }],
    };
    expect(
      diffSignatures(
        { signature: sig, metadata: { a: '1', b: 'x' } },
        { signature: other, metadata: { a: '2', c: 'y' } },
      ),
    ).toEqual([
      { path: 'inputs.count', live: 1, candidate: 2 },
      { path: 'inputs[0].name', live: 'input', candidate: 'float_input' },
      { path: 'inputs[0].type', live: 'float32', candidate: 'float64' },
      { path: 'inputs[0].shape', live: ['N', 6], candidate: [-1, 6] },
      { path: 'inputs[1]', live: null, candidate: other.inputs[1] },
      { path: 'outputs[0].name', live: 'output', candidate: 'variable' },
      { path: 'metadata.a', live: '1', candidate: '2' },
      { path: 'metadata.b', live: 'x', candidate: null },
      { path: 'metadata.c', live: null, candidate: 'y' },
    ]);
  });
});

describe('rejection cause', () => {
  it('lists only the failed checks with their summaries, each at most 300 characters', () => {
    const checks: CheckResult[] = [
      { name: 'size', status: 'passed', summary: 'ok' },
      { name: 'contract', status: 'failed', summary: 'input "x" has width 5, expected 6' },
      { name: 'finite', status: 'skipped', summary: 'no inference' },
      { name: 'accuracy', status: 'failed', summary: 'y'.repeat(400) },
    ];
    const cause = rejectionCause(checks);
    expect(cause).toMatch(
      /^model rejected by 2 checks — contract: input "x" has width 5, expected 6; accuracy: y+\.\.\.$/,
    );
    expect(cause.length).toBeLessThan(400);
  });
});
