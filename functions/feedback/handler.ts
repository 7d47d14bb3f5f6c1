import { Logger } from '@aws-lambda-powertools/logger';
import { FEEDBACK_FUNCTION_NAME } from '../../system/manifest.js';
import { writeLine } from '../shared/emf.js';
import { readVerifyingKeys } from '../shared/recommendation-key.js';
import { createFeedbackHandler } from './app.js';
import { loadFeedbackConfig } from './config.js';

/**
 * Lambda entry of `POST /feedback`: configuration and the verifying keys (current and, after a
 * rotation, previous) are read once per environment during init (top-level await). Without keys
 * no feedback could be judged, so a key that cannot be read fails init.
 */
const config = loadFeedbackConfig();
const logger = new Logger({ serviceName: FEEDBACK_FUNCTION_NAME });
const keys = await readVerifyingKeys(config.keySecret);

export const handler = createFeedbackHandler({
  keys,
  maxAgeSeconds: config.maxAgeSeconds,
  logger,
  write: writeLine, // the outcome EMF lines, as the recommend function writes its metrics
});
