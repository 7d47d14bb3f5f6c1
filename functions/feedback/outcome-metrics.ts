import { METRICS } from '../../system/manifest.js';
import { TARGETS, type Target } from '../shared/contract.js';
import { NOISE_FLOOR_RMSE } from '../shared/noise-floor.js';

/**
 * One feedback's outcome metrics as one EMF document (one log line), exactly as system/manifest.ts
 * METRICS.outcomes states them: per given target the absolute and squared error (final − predicted,
 * in the target's unit), per feedback the mean normalised error (|error| ÷ the target's noise floor,
 * functions/shared/noise-floor.ts) and its square; the only dimension set is [FunctionVersion], the
 * version that SERVED the recommendation. CloudWatch's Sum, SampleCount (and Sum of the squares) per
 * version then give each arm's count, mean and variance.
 *
 * Written by hand rather than through Powertools: one string per feedback, no per-call environment
 * reads or console formatting. Lambda sends stdout to CloudWatch Logs, which extracts the metrics.
 */
export interface Outcome {
  /** The version that served the recommendation (from its token). */
  servedVersion: string;
  modelSha256Prefix: string;
  /** The answered values, TARGETS order. */
  predicted: readonly number[];
  /** The settings the driver ended with; at least one target. */
  final: Partial<Record<Target, number>>;
  timestampMs: number;
}

const DIMENSION = METRICS.dimensions.functionVersion;
// Metric declarations per target, serialised once.
const DECLARATIONS = Object.fromEntries(
  TARGETS.map((t) => [
    t,
    `{"Name":"${METRICS.outcomes.absError(t)}","Unit":"None"},{"Name":"${METRICS.outcomes.sqError(t)}","Unit":"None"}`,
  ]),
) as Record<Target, string>;
const NORM_DECLARATIONS = `{"Name":"${METRICS.outcomes.normError}","Unit":"None"},{"Name":"${METRICS.outcomes.normSqError}","Unit":"None"}`;

/** The EMF line (with its newline); undefined when `final` names no target. */
export function outcomeLine(o: Outcome): string | undefined {
  let declarations = '';
  let values = '';
  let normSum = 0;
  let n = 0;
  for (let i = 0; i < TARGETS.length; i++) {
    const t = TARGETS[i] as Target;
    const final = o.final[t];
    if (final === undefined) continue;
    const error = final - (o.predicted[i] as number);
    const abs = Math.abs(error);
    declarations += `${n === 0 ? '' : ','}${DECLARATIONS[t]}`;
    values += `,"${METRICS.outcomes.absError(t)}":${abs},"${METRICS.outcomes.sqError(t)}":${error * error}`;
    normSum += abs / NOISE_FLOOR_RMSE[t];
    n++;
  }
  if (n === 0) return undefined;
  const norm = normSum / n;
  return (
    `{"_aws":{"Timestamp":${o.timestampMs},"CloudWatchMetrics":[{"Namespace":"${METRICS.namespace}",` +
    `"Dimensions":[["${DIMENSION}"]],"Metrics":[${declarations},${NORM_DECLARATIONS}]}]},` +
    `"${DIMENSION}":${JSON.stringify(o.servedVersion)},"ModelSha256Prefix":${JSON.stringify(o.modelSha256Prefix)}` +
    `${values},"${METRICS.outcomes.normError}":${norm},"${METRICS.outcomes.normSqError}":${norm * norm}}\n`
  );
}
