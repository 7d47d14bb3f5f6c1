/** docs/domain.md §4 steps 1–3: one synthetic adult. Sex, SHS, BMI and age are latent, never inputs. */
import {
  AGE_RANGE,
  BMI_CLIP,
  PARAMETERS,
  RESIDUAL_CHOLESKY,
  SEGMENTS,
  type Segment,
  type Sex,
  SHS_OWN_SD,
  STATURE_CLIP,
} from './anthropometry.js';
import { lowerTimes } from './linalg.js';
import type { Rng } from './prng.js';

export interface Person {
  sex: Sex;
  /** Stature, mm. */
  stature: number;
  /** Segment lengths, mm (unrounded; the dataset rounds them to 0.1 cm). */
  segments: Record<Segment, number>;
  /** Segment residuals after stature, mm (kept for tests of the §2 correlations). */
  residuals: Record<Segment, number>;
  shs: number;
  bmi: number;
  age: number;
}

export function clip(v: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, v));
}

export function samplePerson(rng: Rng): Person {
  const sex: Sex = rng.uniform() < 0.5 ? 'male' : 'female';
  const p = PARAMETERS[sex];
  const stature = clip(p.stature.mean + p.stature.sd * rng.normal(), STATURE_CLIP.min, STATURE_CLIP.max);

  const z = SEGMENTS.map(() => rng.normal());
  const e = lowerTimes(RESIDUAL_CHOLESKY[sex], z);
  const residuals = {} as Record<Segment, number>;
  const segments = {} as Record<Segment, number>;
  SEGMENTS.forEach((name, i) => {
    const law = p.segments[name];
    residuals[name] = e[i] ?? 0;
    segments[name] = law.a + law.b * stature + residuals[name];
  });

  // A longer trunk at fixed stature means a larger sitting-height ratio: SHS follows the torso residual.
  const shs = p.shs.mean + p.shs.torsoSlope * residuals.torso + SHS_OWN_SD * rng.normal();
  const bmi = clip(p.bmi.mean + p.bmi.sd * rng.normal(), BMI_CLIP.min, BMI_CLIP.max);
  const age = AGE_RANGE.min + (AGE_RANGE.max - AGE_RANGE.min) * rng.uniform();
  return { sex, stature, segments, residuals, shs, bmi, age };
}
