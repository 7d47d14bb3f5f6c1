/**
 * Body-size parameters of docs/domain.md §2 (ANSUR II, US Army 2012 public release), in mm.
 * Segment = a + b·S + e, e multivariate normal with the residual SDs and correlations below.
 */
import { cholesky } from './linalg.js';

export type Sex = 'male' | 'female';

/** The five segment inputs, in the order of the §2 correlation matrices (and of FEATURES after height). */
export const SEGMENTS = ['upper_arm', 'forearm', 'thigh', 'calf', 'torso'] as const;
export type Segment = (typeof SEGMENTS)[number];

export interface SegmentLaw {
  a: number;
  b: number;
  /** Residual SD after stature. */
  sd: number;
}

export interface SexParameters {
  stature: { mean: number; sd: number };
  segments: Record<Segment, SegmentLaw>;
  /** Residual correlations in SEGMENTS order. */
  correlation: number[][];
  bmi: { mean: number; sd: number };
  /** Sitting-height ratio: mean, and the slope on the torso residual used by §4 step 3. */
  shs: { mean: number; sd: number; torsoSlope: number };
}

export const PARAMETERS: Record<Sex, SexParameters> = {
  male: {
    stature: { mean: 1756.2, sd: 68.6 },
    segments: {
      upper_arm: { a: -20.9, b: 0.2028, sd: 10.6 },
      forearm: { a: -14.4, b: 0.1608, sd: 10.8 },
      thigh: { a: -32.9, b: 0.3051, sd: 17.7 },
      calf: { a: -107.0, b: 0.3056, sd: 13.3 },
      torso: { a: 78.9, b: 0.2983, sd: 23.1 },
    },
    correlation: [
      [1.0, 0.36, 0.31, 0.28, -0.17],
      [0.36, 1.0, 0.4, 0.47, -0.39],
      [0.31, 0.4, 1.0, 0.36, -0.43],
      [0.28, 0.47, 0.36, 1.0, -0.54],
      [-0.17, -0.39, -0.43, -0.54, 1.0],
    ],
    bmi: { mean: 27.7, sd: 4.0 },
    shs: { mean: 0.5231, sd: 0.0135, torsoSlope: 0.000412 },
  },
  female: {
    stature: { mean: 1628.5, sd: 64.2 },
    segments: {
      upper_arm: { a: -34.0, b: 0.212, sd: 10.5 },
      forearm: { a: -24.5, b: 0.1632, sd: 11.1 },
      thigh: { a: -47.0, b: 0.3267, sd: 19.6 },
      calf: { a: -94.1, b: 0.2962, sd: 14.0 },
      torso: { a: 119.0, b: 0.2728, sd: 21.6 },
    },
    correlation: [
      [1.0, 0.32, 0.4, 0.28, -0.21],
      [0.32, 1.0, 0.39, 0.36, -0.47],
      [0.4, 0.39, 1.0, 0.32, -0.48],
      [0.28, 0.36, 0.32, 1.0, -0.48],
      [-0.21, -0.47, -0.48, -0.48, 1.0],
    ],
    bmi: { mean: 25.5, sd: 3.5 },
    shs: { mean: 0.5262, sd: 0.0141, torsoSlope: 0.000482 },
  },
};

/** §4 step 1 clips stature to this range (mm). */
export const STATURE_CLIP = { min: 1450, max: 2050 } as const;
/** §4 step 3. */
export const BMI_CLIP = { min: 17, max: 45 } as const;
export const AGE_RANGE = { min: 18, max: 75 } as const;
/** §4 step 3: SD of the part of SHS not explained by the torso residual. */
export const SHS_OWN_SD = 0.0096;

/** Residual covariance Σ = D·R·D (D = residual SDs), in SEGMENTS order. */
export function residualCovariance(p: SexParameters): number[][] {
  const sd = SEGMENTS.map((s) => p.segments[s].sd);
  return p.correlation.map((r, i) => r.map((c, j) => c * (sd[i] ?? 0) * (sd[j] ?? 0)));
}

/** Cholesky factors of the residual covariances, computed once. */
export const RESIDUAL_CHOLESKY: Record<Sex, number[][]> = {
  male: cholesky(residualCovariance(PARAMETERS.male)),
  female: cholesky(residualCovariance(PARAMETERS.female)),
};
