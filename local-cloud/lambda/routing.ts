import { invalidParameter } from './errors.js';
import { LATEST } from './model.js';

/**
 * Weighted alias routing, with the rules Lambda enforces on RoutingConfig.AdditionalVersionWeights:
 * at most one additional version, a published version (never $LATEST), not the primary version,
 * a weight in [0, 1], and a primary that is itself a published version. The weight's range is the API's
 * ("Valid Range: Minimum value of 0.0. Maximum value of 1.0",
 * https://docs.aws.amazon.com/lambda/latest/api/API_AliasRoutingConfiguration.html): 0 and 1 are accepted.
 */
export function validateRouting(primary: string, weights: Record<string, number>): void {
  const entries = Object.entries(weights);
  if (entries.length === 0) return;
  if (entries.length > 1) {
    throw invalidParameter(
      `Number of items in AdditionalVersionWeights (${entries.length}) exceeds the maximum of 1.`,
    );
  }
  const [version, weight] = entries[0] as [string, number];
  if (version === LATEST || primary === LATEST) {
    throw invalidParameter('$LATEST is not supported for an alias pointing to more than 1 version');
  }
  if (!/^[0-9]+$/.test(version)) {
    throw invalidParameter(
      `Invalid version ${version} in AdditionalVersionWeights: must be a published version.`,
    );
  }
  if (version === primary) {
    throw invalidParameter(
      `Invalid function version ${version}. Function version ${version} is already included in routing configuration.`,
    );
  }
  if (!Number.isFinite(weight) || weight < 0 || weight > 1) {
    throw invalidParameter(`Invalid weight ${weight} for version ${version}: must be between 0.0 and 1.0.`);
  }
}

/**
 * The version one invocation of the alias runs. `random` is uniform in [0, 1); the additional version
 * wins with probability equal to its weight, like Lambda's per-request choice.
 */
export function pickVersion(primary: string, weights: Record<string, number>, random: number): string {
  for (const [version, weight] of Object.entries(weights)) {
    if (random < weight) return version;
  }
  return primary;
}
