/**
 * The operator's read model: the one way the CLI (scripts/commands/) and the dashboard read the
 * rollout system. `connect(options)` resolves the target (endpoint, region, names) and makes the
 * SDK clients; every reader returns plain data (./views.ts), the same the CLI prints with --json.
 */
import type { Connection } from './connect.js';
import { execution } from './execution.js';
import { history } from './history.js';
import { report } from './report.js';
import { rollouts } from './rollouts.js';
import { readAlias, status } from './status.js';

export { type Connection, connect } from './connect.js';
export { resolveTarget, type Target, type TargetOptions, targetOptionsSchema } from './target.js';
export type * from './views.js';

export interface ReadModel {
  connection: Connection;
  /** Alias live, recent versions and the rollout in flight. */
  status(): ReturnType<typeof status>;
  /** Alias live alone (null before the first rollout). */
  live(): ReturnType<typeof readAlias>;
  /** One line per past rollout or command, newest first. */
  history(o?: { limit?: number }): ReturnType<typeof history>;
  /** The newest rollouts with weights, gates and validation reports. */
  rollouts(o?: { limit?: number }): ReturnType<typeof rollouts>;
  /** A validation report by execution name or ARN, or the newest. */
  report(execution: string | 'latest'): ReturnType<typeof report>;
  /** One execution's timeline: state, checks, weights, gates, bake, verdict. */
  execution(nameOrArn: string): ReturnType<typeof execution>;
}

export function readModel(c: Connection): ReadModel {
  return {
    connection: c,
    status: () => status(c),
    live: () => readAlias(c),
    history: (o) => history(c, o),
    rollouts: (o) => rollouts(c, o),
    report: (e) => report(c, e),
    execution: (e) => execution(c, e),
  };
}
