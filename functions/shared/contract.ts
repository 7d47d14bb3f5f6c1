/**
 * The seat-fit model contract shared by the recommend function, the trainer, the dataset generator
 * and the rollout's validation gate. Names, order and units follow docs/domain.md §2–3.
 * docs/model-contract.md explains it for people who build models outside this project.
 */

/** Body measurements in cm, in the canonical order a model without `features` metadata is fed. */
export const FEATURES = ['height', 'upper_arm', 'forearm', 'thigh', 'calf', 'torso'] as const;
export type Feature = (typeof FEATURES)[number];

/** Settings in the canonical output order of a model without `targets` metadata. */
export const TARGETS = [
  'seat_position',
  'seat_height',
  'seat_angle',
  'steering_tilt',
  'steering_reach',
  'mirror_tilt',
  'mirror_pan',
] as const;
export type Target = (typeof TARGETS)[number];

export const UNITS: Record<Feature | Target, string> = {
  height: 'cm',
  upper_arm: 'cm',
  forearm: 'cm',
  thigh: 'cm',
  calf: 'cm',
  torso: 'cm',
  seat_position: 'mm',
  seat_height: 'mm',
  seat_angle: 'deg',
  steering_tilt: '%',
  steering_reach: '%',
  mirror_tilt: '%',
  mirror_pan: '%',
};

export interface Range {
  min: number;
  max: number;
}

/**
 * What the actuators of the reference vehicle can do (docs/domain.md §3). Predictions outside are
 * clamped by the service and counted by the validation gate.
 * seat_angle is 90° + A40 with A40 clipped to 17–30° by the generative model.
 */
export const ACTUATOR_RANGES: Record<Target, Range> = {
  seat_position: { min: 0, max: 240 },
  seat_height: { min: 0, max: 60 },
  seat_angle: { min: 107, max: 120 },
  steering_tilt: { min: 0, max: 100 },
  steering_reach: { min: 0, max: 100 },
  mirror_tilt: { min: -100, max: 100 },
  mirror_pan: { min: -100, max: 100 },
};

/**
 * Plausible human measurements accepted by the API (docs/domain.md §2: stature 130–220 cm; segments
 * span the ANSUR II 0.1–99.9 % range of both sexes, widened by roughly a quarter on each side).
 */
export const PLAUSIBLE_INPUT_RANGES: Record<Feature, Range> = {
  height: { min: 130, max: 220 },
  upper_arm: { min: 20, max: 50 },
  forearm: { min: 15, max: 40 },
  thigh: { min: 30, max: 70 },
  calf: { min: 25, max: 60 },
  torso: { min: 40, max: 80 },
};

/** The reference vehicle every prediction assumes (docs/domain.md §3); written into model metadata. */
export const REFERENCE_VEHICLE = {
  transmission: 'automatic',
  H30_mm: 270,
  L6_mm: 550,
  telescope_range_mm: [500, 560],
  front_most_hpoint_x_mm: 720,
  seat_travel_mm: 240,
  seat_vertical_travel_mm: 60,
  mirror_position_mm: [560, -900, 860],
  driver_eye_y_mm: -370,
} as const;

/** Model metadata_props keys the service understands (docs/model-contract.md). */
export const METADATA_KEYS = {
  features: 'features',
  targets: 'targets',
  modelName: 'model_name',
  trainedAt: 'trained_at',
  trainingDataSha256: 'training_data_sha256',
  referenceVehicle: 'reference_vehicle',
} as const;
