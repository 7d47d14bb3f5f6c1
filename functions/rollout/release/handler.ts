import { z } from 'zod';
import { parseReleaseConfig, type ReleaseConfig } from './config.js';
import { preTrafficStep } from './pretraffic-step.js';
import { releaseStep } from './release-step.js';

/**
 * hypermob-rollout-release: `release` pins and publishes a validated model; `pretraffic` probes
 * the new version before it takes traffic (docs/rollout.md). Named errors reach the ASL as-is.
 */
const inputSchema = z.object({ action: z.enum(['release', 'pretraffic']), state: z.unknown() });

export function createReleaseHandler(config: ReleaseConfig) {
  return async (event: unknown): Promise<unknown> => {
    const input = inputSchema.parse(event);
    return input.action === 'release'
      ? releaseStep(input.state, config)
      : preTrafficStep(input.state, config);
  };
}

export const handler = createReleaseHandler(parseReleaseConfig(process.env));
