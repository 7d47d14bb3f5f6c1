import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig, thresholdsFrom } from '../../functions/rollout/validate/config.js';
import { DEFAULT_THRESHOLDS, NOISE_FLOOR_RMSE } from '../../functions/rollout/validate/thresholds.js';
import { TARGETS } from '../../functions/shared/contract.js';

describe('validate configuration', () => {
  it('defaults to the documented production values', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      MODEL_BUCKET: 'hypermob-models',
      RECOMMEND_FUNCTION_NAME: 'hypermob-recommend',
      LIVE_ALIAS: 'live',
      GOLDEN_PREFIX: 'golden/',
      REPORTS_PREFIX: 'reports/',
    });
    expect(thresholdsFrom(c)).toEqual(DEFAULT_THRESHOLDS);
  });

  it('reads overrides from the environment as strings, ignoring empty values; prefixes come from the manifest', () => {
    const c = loadConfig({
      MAX_REGRESSION: '0.1',
      LATENCY_BUDGET_US_PER_ROW: '250',
      SEATPOS_MIN_R: '',
      UNRELATED: 'x',
    });
    expect(c.MAX_REGRESSION).toBe(0.1);
    expect(c.LATENCY_BUDGET_US_PER_ROW).toBe(250);
    expect(c.GOLDEN_PREFIX).toBe('golden/');
    expect(c.SEATPOS_MIN_R).toBe(0.6);
  });

  it('fails the cold start naming the bad variable', () => {
    expect(() => loadConfig({ MAX_REGRESSION: 'five percent' })).toThrow(/MAX_REGRESSION/);
    expect(() => loadConfig({ ACCURACY_RMSE_FACTOR: '0.5' })).toThrow(/ACCURACY_RMSE_FACTOR/);
    expect(() => loadConfig({ MAX_OUT_OF_RANGE_FRACTION: '2' })).toThrow(/MAX_OUT_OF_RANGE_FRACTION/);
  });
});

describe('noise floors', () => {
  it('equal the floor RMSE column of docs/dataset.md, which the dataset tests keep in step with the generator', () => {
    const doc = readFileSync(new URL('../../docs/dataset.md', import.meta.url), 'utf8');
    const header = doc.split('\n').find((l) => l.startsWith('| target') && l.includes('floor RMSE'));
    expect(header).toBeDefined();
    const cells = (line: string) => line.split('|').map((c) => c.trim());
    const column = cells(header as string).indexOf('floor RMSE');
    for (const t of TARGETS) {
      const row = doc.split('\n').find((l) => cells(l)[1] === t);
      expect(row, `docs/dataset.md has a row for ${t}`).toBeDefined();
      expect(NOISE_FLOOR_RMSE[t], t).toBe(Number(cells(row as string)[column]));
    }
  });
});
