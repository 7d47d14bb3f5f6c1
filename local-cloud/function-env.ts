import { functionEnvironment } from '../system/environment.js';
import { type FunctionKey, MODEL_BUCKET_NAME, RECOMMENDATION_KEY_SECRET_NAME } from '../system/manifest.js';
import { defaultSettings, type SettingValues } from '../system/settings.js';

/**
 * The environment each function gets in the local cloud: the same builder the CDK stack uses
 * (system/environment.ts), with the local defaults of system/settings.ts — a canary bakes 10
 * seconds on 1-second metric periods instead of 5 minutes on 60-second ones, so a demo rollout
 * (with some traffic, see the README) finishes within a minute. Gates still never pass without
 * evidence: 5 candidate requests at least, else the bake is extended and then rolled back.
 * `overrides` lets a mode of the local cloud change settings for every function it creates (the
 * AWS-like timing mode sets the metric delay it emulates).
 */
export function baseEnvironment(
  key: FunctionKey,
  overrides: Partial<SettingValues> = {},
): Record<string, string> {
  return functionEnvironment(key, {
    bucketName: MODEL_BUCKET_NAME,
    // By name: the bootstrap creates the secret under it (local-cloud/secrets/).
    recommendationKeySecret: RECOMMENDATION_KEY_SECRET_NAME,
    settings: { ...defaultSettings('local'), ...overrides },
  });
}
