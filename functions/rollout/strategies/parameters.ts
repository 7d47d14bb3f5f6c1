import { z } from 'zod';
import type { ParameterDefaults } from './strategy.js';

/** The metadata parameters several strategies share, each validated with a reason naming its key. */

/** Weights are kept to 6 decimals so 0.1 + 0.2 is 0.3 in the alias and the lineage. */
export function roundWeight(w: number): number {
  return Math.round(w * 1e6) / 1e6;
}

const decimal = /^(?:\d+(?:\.\d*)?|\.\d+)$/;

/** A share of traffic as a decimal fraction, 0 < f < 1 (`0.1` = 10 %). */
export const fraction = (key: string) =>
  z
    .string()
    .trim()
    .regex(decimal, `${key} must be a decimal fraction such as 0.1`)
    .transform(Number)
    .pipe(z.number().gt(0, `${key} must be > 0`).lt(1, `${key} must be < 1 (0.1 means 10 %)`));

/** `interval`: whole seconds each weight bakes, up to the deployment's maximum. */
export const interval = (d: ParameterDefaults) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'interval must be whole seconds, e.g. 300')
    .transform(Number)
    .pipe(z.number().int().max(d.maxIntervalSeconds, `interval must be ≤ ${d.maxIntervalSeconds} seconds`))
    .default(d.intervalSeconds);
