import { type FunctionKey, LIVE_ALIAS, METRICS, RECOMMEND_FUNCTION_NAME, SERVICE_NAME } from './manifest.js';
import { type SettingValues, settingsOf } from './settings.js';

/**
 * The environment each function gets at creation, built in this one place for the CDK stack
 * (infra/) and the local cloud (local-cloud/bootstrap.ts): the wiring every runtime shares (names
 * from the manifest, the deployment's bucket) plus every setting of system/settings.ts that the
 * function reads, written out so the template and `get-function-configuration` show what is in
 * force. The recommend function's MODEL_* are not here: the release step pins them per version.
 */
export interface Deployment {
  /** The model bucket: the manifest's name locally; a deployment's own on AWS. */
  bucketName: string;
  settings: SettingValues;
  /**
   * The secret that signs recommendation ids (functions/shared/recommendation-key.ts): its ARN on
   * AWS, its name (RECOMMENDATION_KEY_SECRET_NAME) locally. Recommend and feedback need it.
   */
  recommendationKeySecret?: string;
}

export class MissingWiringError extends Error {
  override name = 'MissingWiring';
}

export function functionEnvironment(key: FunctionKey, d: Deployment): Record<string, string> {
  const common = { POWERTOOLS_SERVICE_NAME: SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE: METRICS.namespace };
  const bucket = { MODEL_BUCKET: d.bucketName };
  const target = { RECOMMEND_FUNCTION_NAME, LIVE_ALIAS };
  const signingKey = () => {
    if (!d.recommendationKeySecret)
      throw new MissingWiringError(`${key} needs the recommendation key secret`);
    return { RECOMMENDATION_KEY_SECRET: d.recommendationKeySecret };
  };
  // What each function is wired to; release reads its bucket from the state it is given.
  const wiring: Record<FunctionKey, () => Record<string, string>> = {
    recommend: () => ({ ...bucket, ...signingKey() }),
    feedback: signingKey,
    validate: () => ({ ...bucket, ...target }),
    release: () => target,
    traffic: () => ({ ...bucket, ...target, GATE_APP_NAMESPACE: METRICS.namespace }),
  };
  if (key === 'recommend') return { ...common, ...wiring.recommend() };
  const settings = Object.fromEntries(settingsOf(key).map((name) => [name, String(d.settings[name])]));
  return { ...common, ...wiring[key](), ...settings };
}
