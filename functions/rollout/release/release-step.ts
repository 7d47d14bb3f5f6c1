import { z } from 'zod';
import { ConcurrentChangeError } from '../shared/errors.js';
import { patchLineage, withOutcome } from '../shared/lineage.js';
import { updateLineage } from '../shared/lineage-store.js';
import { readLive } from '../shared/live-alias.js';
import { planSchema, type Release, validationSchema } from '../shared/state.js';
import type { ReleaseConfig } from './config.js';
import { publish, publishedVersions, settledConfiguration, updateEnvironment } from './function-config.js';
import { findPublished, modelEnvironment, sameEnvironment } from './model-env.js';
import { pinModel } from './pin.js';

const releaseStateSchema = z.object({ plan: planSchema, validation: validationSchema });

/**
 * Turns validated bytes into a published version of the recommend function, idempotently:
 * 1. a published version whose MODEL_SHA256 matches and whose code and other configuration equal
 *    $LATEST's (model-env.ts, findPublished) is reused (no new version); if it is already live
 *    with no extra weight the rollout ends "Unchanged";
 * 2. otherwise the bytes are pinned (pin.ts), MODEL_* set on $LATEST (other variables kept,
 *    RevisionId precondition), the update awaited, and $LATEST published under the RevisionId
 *    read after the wait — a concurrent release makes it fail with ConcurrentChange, never
 *    publish someone else's model;
 */
export async function releaseStep(state: unknown, config: ReleaseConfig): Promise<Release> {
  const { plan, validation } = releaseStateSchema.parse(state);
  const fn = config.target.functionName;
  const sha256 = validation.sha256;
  const at = () => new Date().toISOString();
  const validationSummary = {
    reportKey: validation.reportKey,
    passed: validation.passed,
    summary: summaryOf(validation),
  };

  const listed = await publishedVersions(fn);
  const reused = findPublished(listed.versions, sha256, listed.latest);
  let release: Omit<Release, 'unchanged'>;
  if (reused) {
    release = {
      version: reused.version,
      sha256,
      size: validation.size,
      pinnedKey: reused.key ?? '',
      ...(reused.versionId ? { pinnedVersionId: reused.versionId } : {}),
      reused: true,
    };
  } else {
    const pinned = await pinModel(plan.model, sha256, validation.size);
    const before = await settledConfiguration(fn, config.updateWaitMs);
    const wanted = modelEnvironment(before.Environment?.Variables ?? {}, {
      bucket: plan.model.bucket,
      pinnedKey: pinned.pinnedKey,
      sha256,
      size: pinned.size,
      sourceKey: plan.model.key,
      ...(pinned.pinnedVersionId ? { pinnedVersionId: pinned.pinnedVersionId } : {}),
    });
    if (!sameEnvironment(before.Environment?.Variables ?? {}, wanted))
      await updateEnvironment(fn, before, wanted);
    const settled = await settledConfiguration(fn, config.updateWaitMs);
    if (settled.Environment?.Variables?.MODEL_SHA256 !== sha256) {
      throw new ConcurrentChangeError(
        `another release changed ${fn} $LATEST while this one waited; retrying`,
      );
    }
    const published = await publish(
      fn,
      settled,
      `model ${sha256.slice(0, 12)} from ${plan.model.key} (${plan.executionName})`,
    );
    if (published.Environment?.Variables?.MODEL_SHA256 !== sha256 || !published.Version) {
      throw new ConcurrentChangeError(
        `published version ${published.Version} does not pin ${sha256}; retrying`,
      );
    }
    release = {
      version: published.Version,
      sha256,
      size: pinned.size,
      pinnedKey: pinned.pinnedKey,
      ...(pinned.pinnedVersionId ? { pinnedVersionId: pinned.pinnedVersionId } : {}),
      reused: false,
    };
  }

  // No alias yet (first rollout): Supersede creates it after the pre-traffic check passed.
  const live = await readLive(config.target);
  const unchanged = !!live && live.primary === release.version && !live.candidate;
  await updateLineage(plan.model.bucket, plan.executionName, 'upload', (r) => {
    const patched = patchLineage(r, at(), {
      model: { ...plan.model, sha256 },
      validation: validationSummary,
      release: {
        version: release.version,
        pinnedKey: release.pinnedKey,
        ...(release.pinnedVersionId ? { pinnedVersionId: release.pinnedVersionId } : {}),
        reused: release.reused,
      },
    });
    return unchanged ? withOutcome(patched, at(), { status: 'unchanged' }) : patched;
  });
  return { ...release, unchanged };
}

/** A compact view of the validation report for the lineage (the full report stays under reports/). */
function summaryOf(validation: Record<string, unknown>): unknown {
  const { sha256: _s, size: _z, reportKey: _r, passed: _p, ...rest } = validation;
  const text = JSON.stringify(rest);
  return text.length <= 4000 ? rest : { truncated: true, keys: Object.keys(rest) };
}
