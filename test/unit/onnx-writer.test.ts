import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { FEATURES, METADATA_KEYS, TARGETS } from '../../functions/shared/contract.js';
import { decodeMetadata, onnx } from '../../functions/shared/model/onnx-builder.js';
import {
  canonicalModel,
  constantMeanModel,
  emptyModel,
  float64InputModel,
  inputWidth5Model,
  linearRegressorModel,
  nanOutputModel,
  outOfRangeModel,
  outputWidth6Model,
  PERMUTED_FEATURE_ORDER,
  PERMUTED_FEATURES,
  PERMUTED_TARGET_ORDER,
  PERMUTED_TARGETS,
  permutedMetadataModel,
  randomBytesModel,
  truncatedModel,
  twoInputsModel,
  unsupportedOperatorModel,
} from '../support/onnx-fixtures.js';

const PEOPLE = [
  [150.2, 29.1, 22.8, 44.1, 37.9, 58.2],
  [175, 32.5, 26.8, 45.2, 38.9, 61.5],
  [201.3, 40.2, 32.9, 60.7, 50.4, 66.0],
];

async function run(
  bytes: Uint8Array,
  rows: number[][],
  width = 6,
): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const input = new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, width]);
    const out = await session.run({ [session.inputNames[0] as string]: input });
    const t = out[session.outputNames[0] as string] as ort.Tensor;
    return { data: t.data as Float32Array, dims: t.dims };
  } finally {
    await session.release();
  }
}

function rowsOf(data: Float32Array, width: number): number[][] {
  return Array.from({ length: data.length / width }, (_, i) => [
    ...data.subarray(i * width, (i + 1) * width),
  ]);
}

function expectClose(actual: number[][], expected: number[][]): void {
  expect(actual.length).toBe(expected.length);
  for (const [i, row] of actual.entries()) {
    for (const [k, v] of row.entries()) {
      const e = (expected[i] as number[])[k] as number;
      // float32 carries ~7 significant digits; outputs are at most a few hundred.
      expect(Math.abs(v - e)).toBeLessThan(1e-4 * Math.max(1, Math.abs(e)));
    }
  }
}

describe('canonical model bytes', () => {
  it('meet the contract: one float32 [N,6] input, float32 [N,7] output, standard ops, metadata', async () => {
    const m = canonicalModel();
    const session = await ort.InferenceSession.create(m.onnx);
    expect(session.inputMetadata).toEqual([
      { name: 'input', isTensor: true, type: 'float32', shape: ['N', 6] },
    ]);
    expect(session.outputMetadata).toEqual([
      { name: 'output', isTensor: true, type: 'float32', shape: ['N', 7] },
    ]);
    await session.release();

    const proto = onnx.ModelProto.decode(m.onnx);
    expect(proto.opsetImport.map((o) => o.domain)).toEqual(['']);
    expect(new Set((proto.graph?.node ?? []).map((n) => n.domain))).toEqual(new Set(['']));
    const md = decodeMetadata(m.onnx);
    expect(JSON.parse(md[METADATA_KEYS.features] as string)).toEqual([...FEATURES]);
    expect(JSON.parse(md[METADATA_KEYS.targets] as string)).toEqual([...TARGETS]);
    expect(md[METADATA_KEYS.modelName]).toBe('fixture-canonical');
    expect(md[METADATA_KEYS.trainedAt]).toBe('2026-01-01T00:00:00.000Z');
    expect(md[METADATA_KEYS.trainingDataSha256]).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.parse(md[METADATA_KEYS.referenceVehicle] as string)).toMatchObject({
      H30_mm: 270,
      L6_mm: 550,
    });
  });

  it('serve any batch size, including one row and an empty batch', async () => {
    const m = canonicalModel();
    expectClose(
      rowsOf((await run(m.onnx, [PEOPLE[1] as number[]])).data, 7),
      m.predict([PEOPLE[1] as number[]]),
    );
    const empty = await run(m.onnx, []);
    expect(empty.dims).toEqual([0, 7]);
  });
});

describe('fixtures that must load and run', () => {
  it('LinearRegressor (ai.onnx.ml) predicts the same as the MatMul model', async () => {
    const bytes = linearRegressorModel();
    const ops = (onnx.ModelProto.decode(bytes).graph?.node ?? []).map((n) => `${n.domain}:${n.opType}`);
    expect(ops).toContain('ai.onnx.ml:LinearRegressor');
    expect(ops).not.toContain(':MatMul');
    expectClose(rowsOf((await run(bytes, PEOPLE)).data, 7), canonicalModel().predict(PEOPLE));
  });

  it('permuted metadata model gives canonical predictions once columns are mapped by its metadata', async () => {
    const bytes = permutedMetadataModel();
    const md = decodeMetadata(bytes);
    expect(JSON.parse(md.features as string)).toEqual(PERMUTED_FEATURES);
    expect(JSON.parse(md.targets as string)).toEqual(PERMUTED_TARGETS);
    const fed = PEOPLE.map((r) => PERMUTED_FEATURE_ORDER.map((i) => r[i] as number));
    const out = rowsOf((await run(bytes, fed)).data, 7);
    const canonicalOrder = out.map((row) =>
      TARGETS.map((_, t) => row[PERMUTED_TARGET_ORDER.indexOf(t)] as number),
    );
    expectClose(canonicalOrder, canonicalModel().predict(PEOPLE));
    // Fed naively in canonical order it gives different numbers: the fixture really tests the mapping.
    const naive = rowsOf((await run(bytes, PEOPLE)).data, 7);
    expect(naive[1]?.[0]).not.toBeCloseTo(canonicalModel().predict(PEOPLE)[1]?.[0] as number, 0);
  });

  it('NaN model outputs NaN for every target', async () => {
    const { data } = await run(nanOutputModel(), PEOPLE);
    expect([...data].every(Number.isNaN)).toBe(true);
  });

  it('out-of-range model outputs 999 everywhere', async () => {
    const { data } = await run(outOfRangeModel(), PEOPLE);
    expect([...data].every((v) => v === 999)).toBe(true);
  });

  it('constant-mean model ignores the person and returns the training means', async () => {
    const rows = rowsOf((await run(constantMeanModel(), PEOPLE)).data, 7);
    expect(rows[0]).toEqual(rows[2]);
    expectClose([rows[0] as number[]], [canonicalModel().params.fit.intercept]);
  });

  it('two-input model loads with two inputs', async () => {
    const session = await ort.InferenceSession.create(twoInputsModel());
    expect(session.inputNames).toEqual(['input', 'extra']);
    await session.release();
  });

  it.each([
    ['input width 5', inputWidth5Model, 'input', [5]],
    ['output width 6', outputWidth6Model, 'output', [6]],
  ] as const)('%s model loads with the wrong width', async (_name, build, side, width) => {
    const session = await ort.InferenceSession.create(build());
    const meta = side === 'input' ? session.inputMetadata[0] : session.outputMetadata[0];
    expect(meta).toMatchObject({ type: 'float32', shape: ['N', ...width] });
    await session.release();
  });

  it('float64-input model declares a float64 input and a float32 output', async () => {
    const session = await ort.InferenceSession.create(float64InputModel());
    expect(session.inputMetadata[0]).toMatchObject({ type: 'float64', shape: ['N', 6] });
    expect(session.outputMetadata[0]).toMatchObject({ type: 'float32', shape: ['N', 7] });
    const x = new ort.Tensor('float64', Float64Array.from(PEOPLE.flat()), [3, 6]);
    const out = (await session.run({ input: x })).output as ort.Tensor;
    expectClose(rowsOf(out.data as Float32Array, 7), canonicalModel().predict(PEOPLE));
    await session.release();
  });
});

describe('fixtures onnxruntime must refuse', () => {
  it.each([
    ['unsupported operator', unsupportedOperatorModel],
    ['truncated bytes', truncatedModel],
    ['empty file', emptyModel],
    ['random bytes', () => randomBytesModel()],
  ] as const)('%s: session creation fails', async (_name, build) => {
    await expect(ort.InferenceSession.create(build())).rejects.toThrow();
  });

  it('the unsupported operator fails for the operator, not for malformed protobuf', async () => {
    await expect(ort.InferenceSession.create(unsupportedOperatorModel())).rejects.toThrow(
      /SeatFitMagic|com\.hypermob\.custom/,
    );
  });
});
