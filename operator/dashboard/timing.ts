/**
 * How the dashboard reads and refreshes, by where it looks. The local cloud keeps Lambda's metrics
 * per second and a rollout there takes seconds; on AWS they have 60 s resolution, and every poll's
 * GetMetricData is billed per metric, so the page polls less often.
 */
export interface DashboardTiming {
  /** CloudWatch period of the traffic charts. */
  periodSeconds: number;
  /** How far back the traffic charts reach. */
  windowSeconds: number;
  /** How often the page polls (polls within it share one snapshot). */
  refreshSeconds: number;
}

export const TIMING = {
  local: { periodSeconds: 5, windowSeconds: 15 * 60, refreshSeconds: 2 },
  aws: { periodSeconds: 60, windowSeconds: 3 * 3600, refreshSeconds: 5 },
} as const satisfies Record<string, DashboardTiming>;
