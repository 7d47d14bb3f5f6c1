import type { z } from 'zod';
import { STRATEGIES, type StrategyName } from '../../functions/rollout/strategies/index.js';
import type { ParameterDefaults } from '../../functions/rollout/strategies/strategy.js';
import { UsageError } from '../errors.js';

/**
 * The upload's strategy flags, read from the strategies themselves (functions/rollout/strategies/):
 * each parameter key a strategy's metadata schema takes becomes a flag (`min_feedback` →
 * `--min-feedback`), so a new strategy or parameter needs no change here.
 */

// Any numbers do: only the keys of the schemas are read.
const ANY_DEFAULTS: ParameterDefaults = { weight: 0.1, intervalSeconds: 1, step: 0.1, maxIntervalSeconds: 1 };

/** The keys of a zod object schema, through the pipes, defaults and checks wrapped around it. */
function objectKeys(schema: z.ZodType): string[] {
  const def = (schema as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
  if (def.type === 'object') return Object.keys(def.shape as object);
  for (const inner of ['in', 'innerType', 'schema']) {
    if (def[inner]) return objectKeys(def[inner] as z.ZodType);
  }
  return [];
}

export const STRATEGY_PARAMETERS: Record<StrategyName, string[]> = Object.fromEntries(
  STRATEGIES.map((s) => [s.name, objectKeys(s.parameters(ANY_DEFAULTS))]),
) as Record<StrategyName, string[]>;

export const flagOf = (key: string) => key.replace(/_/g, '-');
const optionOf = (key: string) => key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** Every parameter any strategy takes, with the strategies that take it (for --help). */
export function parameterFlags(): { key: string; flag: string; strategies: StrategyName[] }[] {
  const keys = [...new Set(Object.values(STRATEGY_PARAMETERS).flat())];
  return keys.map((key) => ({
    key,
    flag: flagOf(key),
    strategies: (Object.keys(STRATEGY_PARAMETERS) as StrategyName[]).filter((s) =>
      STRATEGY_PARAMETERS[s].includes(key),
    ),
  }));
}

/**
 * The S3 metadata of an upload: `rollout` and the parameters given as flags (commander's camelCase
 * option names). A flag the chosen strategy does not take is refused, not silently dropped.
 */
export function rolloutMetadata(
  strategy: StrategyName,
  options: Record<string, unknown>,
): Record<string, string> {
  const takes = STRATEGY_PARAMETERS[strategy];
  const metadata: Record<string, string> = { rollout: strategy };
  for (const { key, flag } of parameterFlags()) {
    const value = options[optionOf(key)];
    if (value === undefined) continue;
    if (!takes.includes(key)) {
      const list = takes.length > 0 ? takes.map((k) => `--${flagOf(k)}`).join(', ') : 'no parameters';
      throw new UsageError(`--${flag} does not apply to ${strategy} (it takes ${list})`);
    }
    metadata[key] = String(value);
  }
  return metadata;
}
