import { accuracyCheck } from './check-accuracy.js';
import { contractCheck } from './check-contract.js';
import { finiteCheck } from './check-finite.js';
import { inputSweepCheck } from './check-input-sweep.js';
import { latencyCheck } from './check-latency.js';
import { loadsCheck } from './check-loads.js';
import { nonRegressionCheck } from './check-non-regression.js';
import { parsesCheck } from './check-parses.js';
import { rangesCheck } from './check-ranges.js';
import { seatposCheck } from './check-seatpos.js';
import { sizeCheck } from './check-size.js';

/**
 * The validation gate's checks: the only list of them. validate.ts derives the run order, the
 * skipping and the report from it (docs/validation.md, "Adding a check").
 */
export const CHECKS = [
  sizeCheck,
  parsesCheck,
  loadsCheck,
  contractCheck,
  finiteCheck,
  rangesCheck,
  accuracyCheck,
  nonRegressionCheck,
  latencyCheck,
  inputSweepCheck,
  seatposCheck,
] as const;

export type CheckName = (typeof CHECKS)[number]['id'];
