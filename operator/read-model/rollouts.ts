import { readRecord } from './bucket.js';
import type { Connection } from './connect.js';
import { reportView, rolloutView } from './derive.js';
import { recentLineage } from './lineage.js';
import { type Lineage, reportSchema } from './records.js';
import type { RolloutDetail } from './views.js';

/** The newest rollouts and commands with their weights, gates and validation reports. */
export async function rollouts(
  c: Connection,
  { limit = 10 }: { limit?: number } = {},
): Promise<{ rollouts: RolloutDetail[]; problems: string[] }> {
  const { records, problems } = await recentLineage(c, limit);
  return { rollouts: await Promise.all(records.map((r) => detail(c, r))), problems };
}

export function planView(r: Lineage): RolloutDetail['plan'] {
  return r.plan
    ? {
        strategy: r.plan.strategy,
        schedule: r.plan.schedule,
        intervalSeconds: r.plan.intervalSeconds,
        hold: r.plan.hold,
      }
    : null;
}

async function detail(c: Connection, r: Lineage): Promise<RolloutDetail> {
  const key = r.validation?.reportKey;
  const report = key ? await readRecord(c, key, reportSchema) : undefined;
  return {
    rollout: rolloutView(r),
    plan: planView(r),
    weights: r.weights,
    gates: r.gates,
    validation: key && report ? reportView(key, report) : null,
  };
}
