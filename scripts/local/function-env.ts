import {
  type FunctionKey,
  LIVE_ALIAS,
  MODEL_BUCKET_NAME,
  RECOMMEND_FUNCTION_NAME,
} from '../../functions/catalog.js';

/**
 * The environment each function gets at creation, besides what Lambda itself sets. The recommend
 * function's MODEL_* are not here: the release step (and, until the rollout is wired, the
 * bootstrap) pins them per published version.
 */
export function baseEnvironment(key: FunctionKey): Record<string, string> {
  const common = { POWERTOOLS_SERVICE_NAME: 'hypermob', POWERTOOLS_METRICS_NAMESPACE: 'Hypermob' };
  if (key === 'recommend') return common;
  return {
    ...common,
    MODEL_BUCKET_NAME,
    RECOMMEND_FUNCTION_NAME,
    LIVE_ALIAS,
  };
}
