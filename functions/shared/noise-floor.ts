import type { Target } from './contract.js';

/**
 * The error floor per target: the RMSE of the best possible model (the conditional mean) on data from
 * the generative model of docs/dataset.md, in each target's unit. It is larger than the injected noise
 * SD where latent traits that are not inputs (sex, BMI, age, sitting-height ratio) move the target,
 * and smaller where the actuator end stops clip it. Copied from the "floor RMSE" column of
 * docs/dataset.md (`npx hypermob dataset --report`, 100 000 Monte Carlo rows scored on another
 * 100 000); test/unit/validate-config.test.ts holds them to that column, which the dataset tests
 * keep in step with the generator, so a regenerated dataset cannot silently leave these behind.
 */
export const NOISE_FLOOR_RMSE: Record<Target, number> = {
  seat_position: 31.6,
  seat_height: 12.7,
  seat_angle: 2.5,
  steering_tilt: 12.2,
  steering_reach: 27.0,
  mirror_tilt: 8.2,
  mirror_pan: 13.7,
};
