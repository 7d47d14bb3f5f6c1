/**
 * docs/domain.md §4 steps 4, 5 and 9: where a driver's hip and eye end up in the reference vehicle,
 * before and after the seat's travel limits. Coordinates in mm: X aft of the ball-of-foot reference
 * point, Z above the accelerator heel point. Noise is passed in so the same equations give the
 * noise-free 50th-percentile male the mirrors are aimed relative to.
 */
import { REFERENCE_VEHICLE } from '../../functions/shared/contract.js';
import type { Person } from './person.js';
import { clip } from './person.js';

const H30 = REFERENCE_VEHICLE.H30_mm;
/** Park et al. 2016 express steering-wheel position relative to 600 mm. */
const L6RE = REFERENCE_VEHICLE.L6_mm - 600;
const FRONT_MOST_X = REFERENCE_VEHICLE.front_most_hpoint_x_mm;
const TRAVEL_X = REFERENCE_VEHICLE.seat_travel_mm;
const TRAVEL_Z = REFERENCE_VEHICLE.seat_vertical_travel_mm;
/** §4 step 5: drivers raise the seat until the eye reaches this height. */
export const TARGET_EYE_Z = 922;

/** Preferred hip-point X, Park, Ebert, Reed & Hallman 2016 (as in public code), without noise. */
export function hipX(p: Person): number {
  const { stature: s, shs, bmi, age } = p;
  return p.sex === 'female'
    ? 678 + 0.284 * s - 494 * shs + 2.33 * bmi - 0.388 * H30 + 0.426 * L6RE
    : -48 + 0.56 * s + 1.39 * bmi + 7.53 * age - 0.42 * H30 + 0.505 * L6RE - 3.98e-3 * s * age;
}

/** Hip-point Z with the seat at its lowest position (seat_height 0 ↔ H30 = 270 mm). */
export function hipZ(p: Person): number {
  const s = p.stature;
  return p.sex === 'female'
    ? 129 - 0.062 * s + 0.909 * H30 - 0.0465 * L6RE
    : 123.1 - 0.05864 * s + 0.945 * H30;
}

/** Eye minus hip, Z. */
export function eyeHipZ(p: Person): number {
  const { stature: s, shs, bmi, age } = p;
  return p.sex === 'female'
    ? -461 + 0.163 * s + 1445 * shs - 15.1 * bmi + 3.61 * age + 9.93e-3 * s * bmi - 6.54 * shs * age
    : -498 + 0.361 * s + 845 * shs + 2.76 * bmi - 0.175 * age;
}

/** Eye minus hip, X. */
export function eyeHipX(p: Person): number {
  const { stature: s, shs, bmi } = p;
  return p.sex === 'female'
    ? -364 + 0.0764 * s + 540 * shs + 0.124 * L6RE
    : -578 + 0.174 * s + 706 * shs - 1.55 * bmi - 0.0648 * H30;
}

export interface SeatNoise {
  /** mm added to the preferred hip X (step 4, SD 30). */
  hipX: number;
  /** mm added to the seat height (step 5, SD 12). */
  height: number;
}

export interface Posture {
  /** Track position, mm from front-most, clipped to the travel. */
  seatPosition: number;
  /** mm above lowest, clipped to the travel. */
  seatHeight: number;
  /** Eye point where the driver actually sits (after clipping), mm. */
  eye: readonly [number, number, number];
}

export function posture(p: Person, noise: SeatNoise): Posture {
  const seatPosition = clip(hipX(p) + noise.hipX - FRONT_MOST_X, 0, TRAVEL_X);
  const eyeZAtLowest = hipZ(p) + eyeHipZ(p);
  const seatHeight = clip(TARGET_EYE_Z - eyeZAtLowest + noise.height, 0, TRAVEL_Z);
  // The seat track, not the preference, decides where the hip really is: the eye follows the clipped seat.
  const eyeX = FRONT_MOST_X + seatPosition + eyeHipX(p);
  const eyeZ = eyeZAtLowest + seatHeight;
  return { seatPosition, seatHeight, eye: [eyeX, REFERENCE_VEHICLE.driver_eye_y_mm, eyeZ] };
}
