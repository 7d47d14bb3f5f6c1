import { z } from 'zod';
import { LIVE_ALIAS, RECOMMEND_FUNCTION_NAME } from '../../../system/manifest.js';

/** The release function's configuration (docs/rollout.md, "Configuration"), read once. */
export const releaseEnvSchema = z.object({
  RECOMMEND_FUNCTION_NAME: z.string().min(1).default(RECOMMEND_FUNCTION_NAME),
  LIVE_ALIAS: z.string().min(1).default(LIVE_ALIAS),
  /** How long one invocation polls LastUpdateStatus before handing the wait to the ASL's retry. */
  UPDATE_WAIT_SECONDS: z.coerce.number().int().positive().default(30),
  /** Probe requests sent to the new version before it takes traffic. */
  PRETRAFFIC_PROBES: z.coerce.number().int().min(1).max(20).default(3),
});

export interface ReleaseConfig {
  target: { functionName: string; alias: string };
  updateWaitMs: number;
  probes: number;
}

export function parseReleaseConfig(env: NodeJS.ProcessEnv): ReleaseConfig {
  const e = releaseEnvSchema.parse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  return {
    target: { functionName: e.RECOMMEND_FUNCTION_NAME, alias: e.LIVE_ALIAS },
    updateWaitMs: e.UPDATE_WAIT_SECONDS * 1000,
    probes: e.PRETRAFFIC_PROBES,
  };
}
