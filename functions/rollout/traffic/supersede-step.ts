import type { LiveAlias } from '../shared/alias-note.js';
import { SupersededError } from '../shared/errors.js';
import { type RunningExecution, runningExecutions, stopExecution } from '../shared/executions.js';
import { addWeightChange, patchLineage, withOutcome } from '../shared/lineage.js';
import { updateLineage } from '../shared/lineage-store.js';
import { createLive, readLive, writeLive } from '../shared/live-alias.js';
import type { Supersede } from '../shared/state.js';
import type { TrafficConfig } from './config.js';
import { chooseSuperseded } from './supersede.js';
import { parseUploadState, requireField } from './upload-state.js';

/**
 * Runs once, after the candidate is validated, published and warm, before its first alias change:
 * applies the supersede rule (supersede.ts), claims the alias for this execution — clearing any
 * earlier candidate's weight — in one RevisionId-guarded write, and only then stops the earlier
 * uploads. Retried after the claim, it finds itself the owner and claims again (idempotent).
 */
export async function supersedeStep(state: unknown, config: TrafficConfig): Promise<Supersede> {
  const s = parseUploadState(state);
  const plan = s.plan;
  const bucket = plan.model.bucket;
  const me = { name: plan.executionName, arn: plan.executionArn, started: plan.started };
  const release = requireField(s.release, 'release');
  const first = await readLive(config.target);
  const choice = chooseSuperseded(me, await runningExecutions(plan.stateMachineArn), first?.note ?? {});
  const at = () => new Date().toISOString();
  if (choice.superseded) {
    throw new SupersededError(`${choice.reason}; this rollout stops without touching alias live`);
  }
  if (!first) {
    // First rollout: the alias is born on the candidate, which passed its pre-traffic check.
    await createLive(config.target, release.version, { owner: me.name, started: me.started });
    const stopped = await stopOlder(choice.stop, me.name, bucket);
    await updateLineage(bucket, me.name, 'upload', (r) =>
      addWeightChange(patchLineage(r, at(), { superseded: stopped }), {
        at: at(),
        primary: release.version,
        weight: 1,
        reason: 'created alias live (first rollout)',
      }),
    );
    return { previousVersion: release.version, stopped, created: true };
  }
  // Claim first, stop second: once the note names this execution, no older one can write (its
  // Shift/Finish/Rollback check the owner), so a failure before or during the stops leaves no
  // weight behind with nothing gating it. A write that lost a race answers ConcurrentChange.
  const live = first;
  await writeLive(config.target, live, {
    primary: live.primary,
    note: { owner: me.name, started: me.started, previous: live.note.previous },
  });
  const stopped = await stopOlder(choice.stop, me.name, bucket);
  const owner = live.note.owner;
  if (live.candidate && owner && owner !== me.name && !stopped.includes(owner)) {
    // A held A/B (its execution already SUCCEEDED) or an owner stopped by someone else.
    await updateLineage(bucket, owner, 'upload', (r) =>
      withOutcome(r, at(), { status: 'superseded', by: me.name }),
    );
  }
  await updateLineage(bucket, me.name, 'upload', (r) => {
    const patched = patchLineage(r, at(), { superseded: stopped });
    return live.candidate
      ? addWeightChange(patched, {
          at: at(),
          primary: live.primary,
          weight: 0,
          reason: `cleared weight ${live.candidate.weight} of superseded version ${live.candidate.version}`,
        })
      : patched;
  });
  return {
    previousVersion: live.primary,
    stopped,
    created: false,
    ...(live.candidate ? { cleared: { ...live.candidate, ...(owner ? { owner } : {}) } } : {}),
  };
}

/** StopExecution of every earlier upload (they can no longer write: the alias is claimed). */
async function stopOlder(older: RunningExecution[], me: string, bucket: string): Promise<string[]> {
  const stopped: string[] = [];
  for (const o of older) {
    if (await stopExecution(o.arn, `superseded by the later upload ${me}`)) stopped.push(o.name);
    await updateLineage(bucket, o.name, 'upload', (r) =>
      withOutcome(r, new Date().toISOString(), { status: 'superseded', by: me }),
    );
  }
  return stopped;
}

export function requireLive(live: LiveAlias | undefined): LiveAlias {
  // The release step creates the alias on the first rollout, so its absence here is a fault.
  if (!live) throw new Error('alias live does not exist; the release step should have created it');
  return live;
}
