import { BUCKET_PREFIXES } from '../../../system/manifest.js';

/**
 * The recommend function's model environment (functions/recommend/config.ts) and how a release
 * rewrites it: MODEL_* replaced, every other variable kept; MODEL_VERSION_ID removed when the
 * pinned copy has no S3 version. Pure.
 */
export interface PinnedModel {
  bucket: string;
  pinnedKey: string;
  sha256: string;
  size: number;
  pinnedVersionId?: string;
  sourceKey: string;
}

export const PINNED_PREFIX = BUCKET_PREFIXES.pinned;

export function pinnedKeyFor(sha256: string): string {
  return `${PINNED_PREFIX}${sha256}.model`;
}

export function modelEnvironment(
  current: Record<string, string>,
  model: PinnedModel,
): Record<string, string> {
  const { MODEL_VERSION_ID: _dropped, ...rest } = current;
  return {
    ...rest,
    MODEL_BUCKET: model.bucket,
    MODEL_KEY: model.pinnedKey,
    MODEL_SHA256: model.sha256,
    MODEL_SIZE: String(model.size),
    MODEL_SOURCE_KEY: model.sourceKey,
    ...(model.pinnedVersionId ? { MODEL_VERSION_ID: model.pinnedVersionId } : {}),
  };
}

export function sameEnvironment(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => a[k] === b[k]);
}

export interface PublishedVersion {
  version: string;
  sha256?: string;
  key?: string;
  versionId?: string;
  /** Everything but the model a version runs (versionFingerprint). */
  fingerprint: string;
}

/** What `versionFingerprint` reads of a function configuration (Lambda's FunctionConfiguration). */
export interface RunConfiguration {
  CodeSha256?: string | undefined;
  Runtime?: string | undefined;
  Handler?: string | undefined;
  MemorySize?: number | undefined;
  Timeout?: number | undefined;
  Architectures?: string[] | undefined;
  Layers?: { Arn?: string | undefined }[] | undefined;
  Environment?: { Variables?: Record<string, string> | undefined } | undefined;
}

/**
 * A version's code and configuration except its model (the MODEL_* variables a release sets): two
 * versions with the same fingerprint and the same MODEL_SHA256 serve the same thing.
 */
export function versionFingerprint(c: RunConfiguration): string {
  const env = Object.entries(c.Environment?.Variables ?? {})
    .filter(([k]) => !k.startsWith('MODEL_'))
    .sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify([
    c.CodeSha256,
    c.Runtime,
    c.Handler,
    c.MemorySize,
    c.Timeout,
    c.Architectures ?? [],
    (c.Layers ?? []).map((l) => l.Arn),
    env,
  ]);
}

/**
 * The newest published version already serving these bytes with the function's current code and
 * configuration (`latest`: $LATEST's fingerprint), if any (never `$LATEST`). A version published
 * before the code or a setting changed is not reused: re-uploading an older model publishes a new
 * version that runs it with today's code (docs/rollout.md, "Release").
 */
export function findPublished(
  versions: PublishedVersion[],
  sha256: string,
  latest: string,
): PublishedVersion | undefined {
  const matches = versions
    .filter(
      (v) =>
        /^\d+$/.test(v.version) &&
        v.sha256?.toLowerCase() === sha256.toLowerCase() &&
        v.fingerprint === latest,
    )
    .sort((a, b) => Number(b.version) - Number(a.version));
  return matches[0];
}
