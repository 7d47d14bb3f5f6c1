import { ab } from './ab.js';
import { allAtOnce } from './all-at-once.js';
import { canary } from './canary.js';
import { linear } from './linear.js';
import { steps } from './steps.js';
import type { RolloutStrategy } from './strategy.js';

/** Every rollout strategy an upload may name (`--metadata rollout=<name>`); one file each. */
export const STRATEGIES = [allAtOnce, canary, linear, ab, steps] as const;

export type StrategyName = (typeof STRATEGIES)[number]['name'];
export const STRATEGY_NAMES: StrategyName[] = STRATEGIES.map((s) => s.name);

export function strategyNamed(name: StrategyName): RolloutStrategy<StrategyName> {
  const strategy: RolloutStrategy<StrategyName> | undefined = STRATEGIES.find((s) => s.name === name);
  if (!strategy) throw new Error(`no rollout strategy ${name}`);
  return strategy;
}
