import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { FEATURES, TARGETS } from '../../functions/shared/contract.js';
import { parseDataset, toMatrices } from '../../functions/shared/dataset.js';
import { type TrainedModel, trainModel } from '../../functions/shared/model/trainer.js';
import { parseSeatpos, seatposCheck } from '../../functions/shared/seatpos.js';

/**
 * Does the default model trained on the template make physical sense (docs/domain.md)? Checked on the
 * golden set (different people, stature tails included) and on the 38 real UMTRI drivers.
 */
const TEMPLATE = new URL('../../functions/recommend/json_template.json', import.meta.url);
const GOLDEN = new URL('../../functions/shared/data/golden_set.json', import.meta.url);
const SEATPOS_CSV = new URL('../../functions/shared/data/seatpos.csv', import.meta.url);
const SEAT_POSITION = TARGETS.indexOf('seat_position');
const SEAT_ANGLE = TARGETS.indexOf('seat_angle');
const HEIGHT = FEATURES.indexOf('height');

let model: TrainedModel;
let golden: { x: number[][]; y: number[][] };

beforeAll(async () => {
  model = trainModel(parseDataset(JSON.parse(await readFile(TEMPLATE, 'utf8'))));
  golden = toMatrices(parseDataset(JSON.parse(await readFile(GOLDEN, 'utf8'))));
});

function olsSlope(x: number[], y: number[]): number {
  const mx = x.reduce((a, b) => a + b, 0) / x.length;
  const my = y.reduce((a, b) => a + b, 0) / y.length;
  let sxy = 0;
  let sxx = 0;
  x.forEach((xi, i) => {
    sxy += (xi - mx) * ((y[i] as number) - my);
    sxx += (xi - mx) ** 2;
  });
  return sxy / sxx;
}

function sd(v: number[]): number {
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length);
}

const column = (m: number[][], k: number) => m.map((r) => r[k] as number);

describe('default model physics', () => {
  /*
   * The published rate is 0.43 mm of hip travel per mm of stature (seatpos, docs/domain.md §1), i.e.
   * 4.3 mm/cm. The generator's hip equations (§4 step 4, Park et al. 2016) have within-sex stature
   * slopes of 0.284 mm/mm for women and 0.56 − 3.98e-3·age for men: 0.488 at age 18, 0.375 at the
   * mean age 46.5, 0.26 at 75. Pooling both sexes (men 128 mm taller and sitting ~46 mm further back
   * on average) gives ≈ 0.35 mm/mm before the end-stop clipping. So a model faithful to the data
   * should show a population slope between the women's slope (2.8 mm/cm) and the youngest men's
   * (4.9 mm/cm); the published 4.3 lies inside that band.
   */
  it('seat_position grows with stature at roughly the published rate (2.8–4.9 mm per cm)', () => {
    const h = column(golden.x, HEIGHT);
    const predicted = olsSlope(h, column(model.predict(golden.x), SEAT_POSITION));
    expect(predicted).toBeGreaterThan(2.8);
    expect(predicted).toBeLessThan(4.9);
    // …and follows the data it was trained for, not just the band.
    const observed = olsSlope(h, column(golden.y, SEAT_POSITION));
    expect(Math.abs(predicted - observed)).toBeLessThan(0.1 * observed);
  });

  it('seat_position grows for every golden person when only stature grows by 5 cm', () => {
    const base = column(model.predict(golden.x), SEAT_POSITION);
    const taller = column(
      model.predict(golden.x.map((r) => r.map((v, j) => (j === HEIGHT ? v + 5 : v)))),
      SEAT_POSITION,
    );
    expect(taller.every((v, i) => v > (base[i] as number))).toBe(true);
  });

  it('seat_angle does not depend on body size: its predicted spread is tiny next to its noise', () => {
    const predicted = column(model.predict(golden.x), SEAT_ANGLE);
    const observedSd = sd(column(golden.y, SEAT_ANGLE));
    // A40 ~ N(23°, 2.5°) independent of size: whatever the model predicts beyond a constant is
    // estimation noise (≈ 0.1° with ~4000 rows and ~9 columns).
    expect(sd(predicted)).toBeLessThan(0.1 * observedSd);
    expect(Math.max(...predicted) - Math.min(...predicted)).toBeLessThan(0.5 * observedSd);
  });

  it('on the 38 real seatpos drivers, predicted seat_position tracks how far back they sit (r ≥ 0.7)', async () => {
    const data = parseSeatpos(await readFile(SEATPOS_CSV, 'utf8'));
    const { r, n } = seatposCheck((rows) => column(model.predict(rows), SEAT_POSITION), data);
    expect(n).toBe(38);
    expect(r).toBeGreaterThanOrEqual(0.7);
  });
});
