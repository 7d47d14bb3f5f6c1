import { z } from 'zod';
import { LIVE_ALIAS, RECOMMEND_FUNCTION_NAME } from '../../../system/manifest.js';
import { parseSettings } from '../../../system/settings.js';

/** The release function's configuration (docs/rollout.md, "Configuration"), read once. */
export const releaseWiringSchema = z.object({
  RECOMMEND_FUNCTION_NAME: z.string().min(1).default(RECOMMEND_FUNCTION_NAME),
  LIVE_ALIAS: z.string().min(1).default(LIVE_ALIAS),
});

export interface ReleaseConfig {
  target: { functionName: string; alias: string };
  updateWaitMs: number;
  probes: number;
}

export function parseReleaseConfig(env: NodeJS.ProcessEnv): ReleaseConfig {
  const w = releaseWiringSchema.parse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  const e = parseSettings('release', env);
  return {
    target: { functionName: w.RECOMMEND_FUNCTION_NAME, alias: w.LIVE_ALIAS },
    updateWaitMs: e.UPDATE_WAIT_SECONDS * 1000,
    probes: e.PRETRAFFIC_PROBES,
  };
}
