import {
  type FunctionKey,
  LIVE_ALIAS,
  MODEL_BUCKET_NAME,
  RECOMMEND_FUNCTION_NAME,
} from '../system/manifest.js';

/**
 * The environment each function gets at creation, besides what Lambda itself sets. The recommend
 * function's MODEL_* are not here: the release step pins them per published version.
 *
 * The traffic function's defaults are the local counterpart of the stack's configuration: on AWS a
 * canary bakes 5 minutes on 60-second metric periods; locally it bakes 10 seconds on 1-second
 * periods, so a demo rollout (with some traffic, see the README) finishes within a minute. Gates
 * still never pass without evidence: 5 candidate requests at least, else the bake is extended up to
 * 3 times and then rolled back.
 */
export const LOCAL_TRAFFIC_DEFAULTS = {
  DEFAULT_ROLLOUT: 'canary',
  DEFAULT_WEIGHT: '0.1',
  DEFAULT_INTERVAL_SECONDS: '10',
  GATE_MIN_SAMPLES: '5',
  GATE_MAX_EXTENSIONS: '3',
  GATE_PERIOD_SECONDS: '1',
};

export function baseEnvironment(key: FunctionKey): Record<string, string> {
  const common = { POWERTOOLS_SERVICE_NAME: 'hypermob', POWERTOOLS_METRICS_NAMESPACE: 'Hypermob' };
  if (key === 'recommend') return common;
  return {
    ...common,
    MODEL_BUCKET: MODEL_BUCKET_NAME,
    RECOMMEND_FUNCTION_NAME,
    LIVE_ALIAS,
    ...(key === 'traffic' ? LOCAL_TRAFFIC_DEFAULTS : {}),
  };
}
