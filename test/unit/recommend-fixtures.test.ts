import { describe, expect, it } from 'vitest';
import { loadModel, ModelContractError } from '../../functions/shared/inference.js';
import {
  canonicalModel,
  linearRegressorModel,
  nanOutputModel,
  PERMUTED_FEATURES,
  PERMUTED_TARGETS,
  permutedMetadataModel,
  truncatedModel,
  unsupportedOperatorModel,
} from '../support/onnx-fixtures.js';

/**
 * The trainer's own fixtures (real seat-fit models in other layouts) through the recommend
 * function's inference: the same predictions whatever the column order or operator set, and every
 * broken model refused with a named error before it could serve.
 */
const ROWS = [
  [175, 32.5, 26.8, 45.2, 38.9, 61.5],
  [152, 29, 23, 40, 34, 55],
  [201, 38, 30, 53, 46, 69],
];

describe('recommend inference on the trainer fixtures', () => {
  const base = canonicalModel();
  const expected = base.predict(ROWS);

  function expectSame(actual: number[][]) {
    actual.forEach((row, r) => {
      row.forEach((v, i) => {
        const want = expected[r]?.[i] as number;
        expect(Math.abs(v - want)).toBeLessThan(1e-3 * Math.max(1, Math.abs(want)));
      });
    });
  }

  it('serves the permuted-metadata model exactly like the canonical one', async () => {
    const model = await loadModel(permutedMetadataModel(base));
    expect(model.order).toEqual({ features: PERMUTED_FEATURES, targets: PERMUTED_TARGETS });
    expectSame(await model.predict(ROWS));
    expectSame(await Promise.all(ROWS.map((r) => model.predictOne(r))));
  });

  it('serves an ai.onnx.ml LinearRegressor model (what skl2onnx emits)', async () => {
    const model = await loadModel(linearRegressorModel(base));
    expectSame(await model.predict(ROWS));
  });

  it.each([
    ['NaN outputs', () => nanOutputModel(base), 'probe'],
    ['an unsupported operator', () => unsupportedOperatorModel(base), 'loads'],
    ['truncated bytes', () => truncatedModel(base), undefined],
  ] as const)('refuses %s', async (_name, bytes, rule) => {
    const err = await loadModel(bytes()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelContractError);
    if (rule) expect((err as ModelContractError).violations.map((v) => v.rule)).toContain(rule);
  });
});
