import type * as s3 from 'aws-cdk-lib/aws-s3';
import { BUCKET_PREFIXES, UPLOAD_SUFFIX } from '../system/manifest.js';

/**
 * Which objects of the model bucket each role may touch, as S3 key patterns (IAM wildcards: `*`
 * spans `/`), from the bucket layout of system/manifest.ts; uploads are any key ending in `.onnx`,
 * which is also the rollout trigger's pattern.
 */
export const UPLOADED_MODELS = `*${UPLOAD_SUFFIX}`;
/** Immutable copies the release step pins (`pinned/<sha256>.model`). */
export const PINNED_MODELS = `${BUCKET_PREFIXES.pinned}*`;
export const GOLDEN_DATA = `${BUCKET_PREFIXES.golden}*`;
export const REPORTS = `${BUCKET_PREFIXES.reports}*`;
export const LINEAGE = `${BUCKET_PREFIXES.rollouts}*`;

/**
 * What a published recommend version may be pinned to: the pipeline's pinned copies, plus the exact
 * key of the initial model when the deployment names one outside `pinned/` (no wildcard for it).
 */
export function modelReadPatterns(initialModelKey = ''): string[] {
  const initial =
    initialModelKey !== '' && !initialModelKey.startsWith(BUCKET_PREFIXES.pinned) ? [initialModelKey] : [];
  return [PINNED_MODELS, ...initial];
}

export function objectArns(bucket: s3.IBucket, patterns: readonly string[]): string[] {
  return patterns.map((p) => bucket.arnForObjects(p));
}
