import type { Connection } from './connect.js';
import { rolloutView } from './derive.js';
import { recentLineage } from './lineage.js';
import type { HistoryView } from './views.js';

/** Past rollouts and commands from their lineage records, newest first. */
export async function history(c: Connection, { limit = 20 }: { limit?: number } = {}): Promise<HistoryView> {
  const { records, problems } = await recentLineage(c, limit);
  return { rollouts: records.map(rolloutView), problems };
}
