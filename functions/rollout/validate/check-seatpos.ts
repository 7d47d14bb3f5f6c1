import { type Seatpos, seatposCheck } from '../../shared/seatpos.js';
import { type CheckResult, fmt, passedOrFailed } from './check-result.js';

/**
 * The domain check (SEAT-FIT.md §5): on the 38 real drivers of UMTRI seatpos, predicted
 * seat_position must rise with how far back they really sit (−hipcenter). A model that lost the
 * stature relation, or got its sign or units upside down, fails here even if it fits synthetic data.
 * `seatPosition` holds the model's seat_position for data.rows, in order.
 */
export function checkSeatpos(seatPosition: number[], data: Seatpos, minR: number): CheckResult {
  const { r, n } = seatposCheck(() => seatPosition, data);
  return {
    name: 'seatpos',
    status: passedOrFailed(r >= minR),
    summary: Number.isNaN(r)
      ? `predicted seat_position does not vary over the ${n} drivers (r undefined, minimum ${fmt(minR)})`
      : `Pearson r(predicted seat_position, −hipcenter) = ${fmt(r)} on ${n} drivers (minimum ${fmt(minR)})`,
    details: { r, n, minR },
  };
}
