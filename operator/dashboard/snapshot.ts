import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { ReadModel } from '../read-model/index.js';
import { targetView } from '../read-model/status.js';
import type { RolloutDetail, StatusView, TargetView } from '../read-model/views.js';
import { fetchVersionMetrics, type VersionMetrics } from './version-metrics.js';

/**
 * Everything the page shows, in one JSON document (GET /dashboard/data.json): the read model's
 * status (alias, versions, the rollout in flight) and newest rollouts, plus each version's traffic.
 * Each part is read on its own: one that fails (a missing permission, say) becomes a line in
 * `problems` and the others are still shown.
 */
export interface SnapshotOptions {
  read: ReadModel;
  cloudwatch: CloudWatchClient;
  periodSeconds: number;
  windowSeconds: number;
  /** How many of the newest rollouts are shown. */
  rollouts: number;
  now?: () => Date;
}

export interface Snapshot {
  generatedAt: string;
  target: TargetView;
  periodSeconds: number;
  windowSeconds: number;
  live: StatusView['live'];
  versions: StatusView['versions'];
  inFlight: StatusView['inFlight'];
  rollouts: RolloutDetail[];
  metrics: VersionMetrics | null;
  problems: string[];
}

export async function buildSnapshot(o: SnapshotOptions): Promise<Snapshot> {
  const now = (o.now ?? (() => new Date()))();
  const problems: string[] = [];
  const attempt = async <T>(what: string, read: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      return await read();
    } catch (err) {
      problems.push(`${what}: ${(err as Error).name}: ${(err as Error).message}`);
      return fallback;
    }
  };
  const [status, recent] = await Promise.all([
    attempt('status', () => o.read.status(), null),
    attempt('rollouts', () => o.read.rollouts({ limit: o.rollouts }), { rollouts: [], problems: [] }),
  ]);
  problems.push(...(status?.problems ?? []), ...recent.problems);
  const target = o.read.connection.target;
  const metrics = await attempt(
    'metrics (CloudWatch GetMetricData)',
    () =>
      fetchVersionMetrics(o.cloudwatch, {
        functionName: target.functionName,
        alias: target.alias,
        // The recent versions, and whatever the alias serves (status lists both).
        versions: (status?.versions ?? []).map((v) => v.version),
        periodSeconds: o.periodSeconds,
        windowSeconds: o.windowSeconds,
        now,
      }),
    null,
  );
  return {
    generatedAt: now.toISOString(),
    target: targetView(o.read.connection),
    periodSeconds: o.periodSeconds,
    windowSeconds: o.windowSeconds,
    live: status?.live ?? null,
    versions: status?.versions ?? [],
    inFlight: status?.inFlight ?? null,
    rollouts: recent.rollouts,
    metrics,
    problems,
  };
}
