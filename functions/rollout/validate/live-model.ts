import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { lambda } from '../../shared/aws-clients.js';
import { fetchVerifiedModel } from '../../shared/model-store.js';
import { readLive } from '../shared/live-alias.js';

/** The live model's bytes, or why there is none to compare with. */
export type LiveInput = { bytes: Uint8Array } | { unavailable: string };

/** Which model serves now: the alias's primary version and the bytes pinned in its configuration. */
export interface LiveIdentity {
  functionName: string;
  alias: string;
  version?: string;
  /** A canary or A/B candidate currently holding weight on the alias (not the one compared with). */
  candidateVersion?: string;
  candidateWeight?: number;
  bucket?: string;
  key?: string;
  sha256?: string;
  versionId?: string;
}

export interface LiveLookup {
  identity: LiveIdentity;
  input: LiveInput;
}

/**
 * Finds the live model: GetAlias(live) → primary version → GetFunctionConfiguration(version) → the
 * pinned MODEL_BUCKET/MODEL_KEY/MODEL_SHA256/MODEL_VERSION_ID → verified bytes. No alias or no pinned
 * model (the first rollout) and a live model that cannot be fetched are not errors: the comparison
 * checks are skipped with the reason, because blocking a rollout on a broken live model would block
 * exactly the fix. Lambda API errors (throttling, …) propagate for the state machine's retry.
 */
export async function findLiveModel(
  target: { functionName: string; alias: string; defaultBucket: string },
  maxBytes: number,
): Promise<LiveLookup> {
  const identity: LiveIdentity = { functionName: target.functionName, alias: target.alias };
  const alias = await readLive({ functionName: target.functionName, alias: target.alias });
  if (!alias) {
    return {
      identity,
      input: { unavailable: `no alias ${target.functionName}:${target.alias} yet (first rollout)` },
    };
  }
  identity.version = alias.primary;
  if (alias.candidate) {
    identity.candidateVersion = alias.candidate.version;
    identity.candidateWeight = alias.candidate.weight;
  }
  const conf = await lambda().send(
    new GetFunctionConfigurationCommand({ FunctionName: target.functionName, Qualifier: alias.primary }),
  );
  const env = conf.Environment?.Variables ?? {};
  identity.bucket = env.MODEL_BUCKET || target.defaultBucket;
  identity.key = env.MODEL_KEY || undefined;
  identity.sha256 = env.MODEL_SHA256?.toLowerCase() || undefined;
  identity.versionId = env.MODEL_VERSION_ID || undefined;
  if (!identity.key || !identity.sha256) {
    return {
      identity,
      input: {
        unavailable: `live version ${alias.primary} has no pinned model (MODEL_KEY/MODEL_SHA256 unset)`,
      },
    };
  }
  try {
    const fetched = await fetchVerifiedModel(
      { bucket: identity.bucket, key: identity.key, sha256: identity.sha256, versionId: identity.versionId },
      { maxBytes },
    );
    return { identity, input: { bytes: fetched.bytes } };
  } catch (err) {
    const e = err as Error;
    return { identity, input: { unavailable: `live model cannot be fetched: ${e.name}: ${e.message}` } };
  }
}
