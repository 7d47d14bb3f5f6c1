import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TARGETS } from '../../functions/shared/contract.js';
import { parseDataset } from '../../functions/shared/dataset.js';
import { GOLDEN_PATH, TEMPLATE_PATH } from '../../scripts/commands/dataset.js';
import { DEFAULT_SEED } from '../../scripts/dataset/generate.js';
import { noiseReport } from '../../scripts/dataset/noise-report.js';

// docs/dataset.md publishes the noise table the validation gate's accuracy limits are derived from;
// this keeps the table true for the committed files.
const docs = readFileSync(new URL('../../docs/dataset.md', import.meta.url), 'utf8');
const documented = new Map(
  docs
    .split('\n')
    .filter((l) => TARGETS.some((t) => new RegExp(`^\\|\\s*${t}\\s*\\|`).test(l)))
    .map((l) => {
      const cells = l.split('|').map((c) => c.trim());
      return [cells[1], cells.slice(2, 11).map(Number)] as const;
    }),
);
const load = (path: string) => parseDataset(JSON.parse(readFileSync(path, 'utf8')));
// A smaller Monte Carlo than the documented 100 000 rows keeps the test fast; the floor is then
// known to within a few per cent.
const report = noiseReport(load(TEMPLATE_PATH), load(GOLDEN_PATH), DEFAULT_SEED, 20_000);

describe('docs/dataset.md noise table', () => {
  it.each(report.targets.map((t) => [t.target, t] as const))('matches the generator for %s', (target, t) => {
    const row = documented.get(target);
    expect(row, `no row for ${target}`).toBeDefined();
    const [injected, floorRmse, floorMae, linRmse, linMae, quadRmse, quadMae, meanMae] = row as number[];
    expect(t.injectedSd).toBeCloseTo(injected as number, 1);
    expect(Math.abs(t.floor.rmse / (floorRmse as number) - 1)).toBeLessThan(0.05);
    expect(Math.abs(t.floor.mae / (floorMae as number) - 1)).toBeLessThan(0.05);
    // The golden columns are computed from the committed files only: exact to the printed 0.1.
    expect(Math.abs(t.goldenLinear.rmse - (linRmse as number))).toBeLessThanOrEqual(0.051);
    expect(Math.abs(t.goldenLinear.mae - (linMae as number))).toBeLessThanOrEqual(0.051);
    expect(Math.abs(t.goldenQuadratic.rmse - (quadRmse as number))).toBeLessThanOrEqual(0.051);
    expect(Math.abs(t.goldenQuadratic.mae - (quadMae as number))).toBeLessThanOrEqual(0.051);
    expect(Math.abs(t.goldenMeanOnly.mae - (meanMae as number))).toBeLessThanOrEqual(0.051);
  });

  it('shows a learned model beating the mean on every target that depends on the body', () => {
    for (const t of report.targets) {
      if (t.target === 'seat_angle') expect(t.goldenLinear.mae).toBeGreaterThan(0.95 * t.goldenMeanOnly.mae);
      else expect(t.goldenLinear.mae).toBeLessThan(0.85 * t.goldenMeanOnly.mae);
    }
  });
});
