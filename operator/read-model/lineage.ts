import { BUCKET_PREFIXES } from '../../system/manifest.js';
import { listNewestFirst, readRecord } from './bucket.js';
import type { Connection } from './connect.js';
import { type Lineage, lineageSchema, MalformedRecordError } from './records.js';

/**
 * The newest lineage records (by the time they were last written), newest started first. A record
 * that does not parse is named in `problems` rather than failing the whole read.
 */
export async function recentLineage(
  c: Connection,
  limit: number,
): Promise<{ records: Lineage[]; problems: string[] }> {
  const keys = (await listNewestFirst(c, BUCKET_PREFIXES.rollouts)).slice(0, limit);
  const problems: string[] = [];
  const read = await Promise.all(
    keys.map(async ({ key }) => {
      try {
        return await readRecord(c, key, lineageSchema);
      } catch (err) {
        if (!(err instanceof MalformedRecordError)) throw err;
        problems.push(err.message);
        return undefined;
      }
    }),
  );
  const records = read.filter((r): r is Lineage => r !== undefined);
  records.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  return { records, problems };
}

export function lineageKeyOf(execution: string): string {
  return `${BUCKET_PREFIXES.rollouts}${execution}.json`;
}

export function reportKeyOf(execution: string): string {
  return `${BUCKET_PREFIXES.reports}${execution}.json`;
}
