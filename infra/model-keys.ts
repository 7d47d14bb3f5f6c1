import type * as s3 from 'aws-cdk-lib/aws-s3';

/**
 * Which objects of the model bucket each role may touch, as S3 key patterns (IAM wildcards: `*`
 * spans `/`). The prefixes are the pipeline's own (statemachines/rollout-trigger.ts PIPELINE_PREFIXES);
 * uploads are any key ending in `.onnx`, which is also the rollout trigger's pattern.
 */
export const UPLOADED_MODELS = '*.onnx';
/** Immutable copies the release step pins (`pinned/<sha256>.model`). */
export const PINNED_MODELS = 'pinned/*';
/** golden/ and reports/ come from the validate function's configuration (GOLDEN_PREFIX, REPORTS_PREFIX). */
export const LINEAGE = 'rollouts/*';

/**
 * What a published recommend version may be pinned to: the pipeline's pinned copies, plus the exact
 * key of the initial model when the deployment names one outside `pinned/` (no wildcard for it).
 */
export function modelReadPatterns(initialModelKey = ''): string[] {
  const initial = initialModelKey !== '' && !initialModelKey.startsWith('pinned/') ? [initialModelKey] : [];
  return [PINNED_MODELS, ...initial];
}

export function objectArns(bucket: s3.IBucket, patterns: readonly string[]): string[] {
  return patterns.map((p) => bucket.arnForObjects(p));
}
