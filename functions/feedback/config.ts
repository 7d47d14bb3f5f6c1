import * as z from 'zod/mini';
import { parseSettings } from '../../system/settings.js';

/**
 * The feedback function's configuration, read once per environment: where its verifying keys are
 * (system/environment.ts writes RECOMMENDATION_KEY_SECRET) and its settings (system/settings.ts).
 * Invalid configuration fails the cold start with the variable named.
 */
const wiringSchema = z.object({
  RECOMMENDATION_KEY_SECRET: z.string().check(z.minLength(1)),
});

export interface FeedbackConfig {
  keySecret: string;
  maxAgeSeconds: number;
}

export class FeedbackConfigurationError extends Error {
  override name = 'InvalidConfiguration';
}

export function loadFeedbackConfig(env: NodeJS.ProcessEnv = process.env): FeedbackConfig {
  const wiring = wiringSchema.safeParse(env);
  if (!wiring.success) {
    throw new FeedbackConfigurationError(
      'invalid feedback configuration: RECOMMENDATION_KEY_SECRET is required',
    );
  }
  const settings = parseSettings('feedback', env);
  return {
    keySecret: wiring.data.RECOMMENDATION_KEY_SECRET,
    maxAgeSeconds: settings.FEEDBACK_MAX_AGE_SECONDS,
  };
}
