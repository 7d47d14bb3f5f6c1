/**
 * docs/domain.md §4 steps 4–9: the seven settings a driver picks in the reference vehicle. Every
 * injected noise SD is a named constant because docs/dataset.md and the rollout's validation gate
 * derive accuracy limits from them.
 */
import { REFERENCE_VEHICLE, type Target } from '../../functions/shared/contract.js';
import { AGE_RANGE, PARAMETERS, type Segment } from './anthropometry.js';
import { mirrorAim } from './mirror.js';
import { clip, type Person } from './person.js';
import { posture } from './posture.js';
import type { Rng } from './prng.js';

export const NOISE_SD = {
  /** mm on the preferred hip X (step 4; reproduces seatpos' 36 mm scatter together with the latents). */
  hipX: 30,
  /** mm on the seat height (step 5). */
  seatHeight: 12,
  /** degrees, A40 itself is pure between-person variation (step 6). */
  a40: 2.5,
  /** mm on the preferred steering-wheel X (step 7). */
  l6: 20,
  /** mm on the preferred wheel height (step 8). */
  wheelHeight: 10,
  /** degrees on each mirror angle (step 9). */
  mirror: 0.5,
} as const;

const A40 = { mean: 23, min: 17, max: 30 } as const;
const H30 = REFERENCE_VEHICLE.H30_mm;
const [TELESCOPE_MIN, TELESCOPE_MAX] = REFERENCE_VEHICLE.telescope_range_mm;
/** ±10° of actuator travel = ±100 % [assumption, docs/domain.md §3]. */
const MIRROR_PERCENT_PER_DEG = 10;

/** Reed 2013 preferred steering-wheel X (mm aft of BOFRP), as implemented in public code. */
export function preferredL6(stature: number): number {
  return (4 + 0.003441 * stature + 0.01854 * H30 - 0.00004958 * H30 * H30) / 0.021182;
}

/** The noise-free 50th-percentile male the mirror percentages are relative to. */
export const REFERENCE_MALE: Person = {
  sex: 'male',
  stature: PARAMETERS.male.stature.mean,
  segments: Object.fromEntries(
    Object.entries(PARAMETERS.male.segments).map(([k, l]) => [k, l.a + l.b * PARAMETERS.male.stature.mean]),
  ) as Record<Segment, number>,
  residuals: { upper_arm: 0, forearm: 0, thigh: 0, calf: 0, torso: 0 },
  shs: PARAMETERS.male.shs.mean,
  bmi: PARAMETERS.male.bmi.mean,
  age: (AGE_RANGE.min + AGE_RANGE.max) / 2,
};
const REFERENCE_AIM = mirrorAim(posture(REFERENCE_MALE, { hipX: 0, height: 0 }).eye);

/** Draws the step 4–9 noise from rng (in a fixed order) and returns the targets, unrounded. */
export function seatFit(p: Person, rng: Rng): Record<Target, number> {
  const seat = posture(p, { hipX: NOISE_SD.hipX * rng.normal(), height: NOISE_SD.seatHeight * rng.normal() });
  const a40 = clip(A40.mean + NOISE_SD.a40 * rng.normal(), A40.min, A40.max);
  const l6 = preferredL6(p.stature) + NOISE_SD.l6 * rng.normal();
  // Slope borrowed from a truck wheel-height model (docs/domain.md §4 step 8); ±40 mm spans the tilt range.
  const wheelRise = 0.1613 * (p.stature - 1700) + NOISE_SD.wheelHeight * rng.normal();
  const aim = mirrorAim(seat.eye);
  const tiltDeg = aim.tiltDeg - REFERENCE_AIM.tiltDeg + NOISE_SD.mirror * rng.normal();
  const panDeg = aim.panDeg - REFERENCE_AIM.panDeg + NOISE_SD.mirror * rng.normal();
  return {
    seat_position: seat.seatPosition,
    seat_height: seat.seatHeight,
    seat_angle: 90 + a40,
    steering_tilt: 100 * clip(0.5 + wheelRise / 80, 0, 1),
    steering_reach: 100 * clip((l6 - TELESCOPE_MIN) / (TELESCOPE_MAX - TELESCOPE_MIN), 0, 1),
    mirror_tilt: clip(MIRROR_PERCENT_PER_DEG * tiltDeg, -100, 100),
    mirror_pan: clip(MIRROR_PERCENT_PER_DEG * panDeg, -100, 100),
  };
}
