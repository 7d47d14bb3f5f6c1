/**
 * docs/domain.md §4 step 9: aim of the driver-side exterior mirror by the law of reflection. Light from
 * straight behind the car travels forward (−X); the mirror must send it to the eye. For unit incoming
 * d and outgoing r the mirror normal is n ∝ r − d.
 */
import { REFERENCE_VEHICLE } from '../../functions/shared/contract.js';

export type Vec3 = readonly [number, number, number];

export interface MirrorAim {
  /** Elevation of the mirror normal, degrees; positive = aimed higher. */
  tiltDeg: number;
  /** Azimuth of the mirror normal, degrees from +X (aft); positive = towards +Y, inboard for a left-hand-drive car. */
  panDeg: number;
}

const DEG = 180 / Math.PI;

export function mirrorAim(eye: Vec3, mirror: Vec3 = REFERENCE_VEHICLE.mirror_position_mm): MirrorAim {
  const r = unit([eye[0] - mirror[0], eye[1] - mirror[1], eye[2] - mirror[2]]);
  const n = unit([r[0] + 1, r[1], r[2]]);
  return { tiltDeg: Math.asin(n[2]) * DEG, panDeg: Math.atan2(n[1], n[0]) * DEG };
}

function unit(v: Vec3): Vec3 {
  const len = Math.hypot(v[0], v[1], v[2]);
  return [v[0] / len, v[1] / len, v[2] / len];
}
