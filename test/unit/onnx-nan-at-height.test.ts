import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { canonicalModelBytes, nanAtHeightModel } from '../support/onnx-fixtures.js';

async function predict(bytes: Uint8Array, rows: number[][]): Promise<number[][]> {
  const session = await ort.InferenceSession.create(bytes);
  const input = new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, 6]);
  const out = (await session.run({ input })).output as ort.Tensor;
  const data = Array.from(out.data as Float32Array);
  await session.release();
  return rows.map((_, i) => data.slice(i * 7, i * 7 + 7));
}

describe('nanAtHeightModel fixture', () => {
  it('answers NaN for the trigger height only, the canonical predictions otherwise', async () => {
    const rows = [
      [175, 32.5, 26.8, 45.2, 38.9, 61.5],
      [210.5, 36, 29, 50, 43, 66],
      [192, 36, 29, 50, 43, 66],
    ];
    const [ok, bad, tall] = await predict(nanAtHeightModel(210.5), rows);
    const [okRef, , tallRef] = await predict(canonicalModelBytes(), rows);
    expect(bad?.every(Number.isNaN)).toBe(true);
    expect(ok).toEqual(okRef);
    expect(tall).toEqual(tallRef);
  });
});
