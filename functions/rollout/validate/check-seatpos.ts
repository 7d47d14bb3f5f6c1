import { TARGETS } from '../../shared/contract.js';
import { type Seatpos, seatposCheck as seatposCorrelation } from '../../shared/seatpos.js';
import { defineCheck } from './check.js';
import { fmt, passedOrFailed, type Verdict } from './check-result.js';

/**
 * The domain check (docs/dataset.md, "Anchors"): on the 38 real drivers of UMTRI seatpos, predicted
 * seat_position must rise with how far back they really sit (−hipcenter). A model that lost the
 * stature relation, or got its sign or units upside down, fails here even if it fits synthetic data.
 * `seatPosition` holds the model's seat_position for data.rows, in order.
 */
export function checkSeatpos(seatPosition: number[], data: Seatpos, minR: number): Verdict {
  const { r, n } = seatposCorrelation(() => seatPosition, data);
  return {
    status: passedOrFailed(r >= minR),
    summary: Number.isNaN(r)
      ? `predicted seat_position does not vary over the ${n} drivers (r undefined, minimum ${fmt(minR)})`
      : `Pearson r(predicted seat_position, −hipcenter) = ${fmt(r)} on ${n} drivers (minimum ${fmt(minR)})`,
    details: { r, n, minR },
  };
}

const SEAT = TARGETS.indexOf('seat_position');

export const seatposCheck = defineCheck({
  id: 'seatpos',
  order: 100,
  needs: ['model', 'golden'],
  run: async ({ model, golden }, th, signal) => {
    const seatPosition = (await model.predict(golden.seatpos.rows, signal)).map((r) => r[SEAT] as number);
    return checkSeatpos(seatPosition, golden.seatpos, th.seatposMinR);
  },
});
