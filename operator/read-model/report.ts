import { BUCKET_PREFIXES } from '../../system/manifest.js';
import { NotFoundError } from '../errors.js';
import { listNewestFirst, readRecord } from './bucket.js';
import type { Connection } from './connect.js';
import { reportView } from './derive.js';
import { reportKeyOf } from './lineage.js';
import { reportSchema } from './records.js';
import { executionNameOf } from './target.js';
import type { ReportView } from './views.js';

/** The validation report of an execution (name or ARN), or the newest one with 'latest'. */
export async function report(c: Connection, execution: string): Promise<ReportView> {
  const key =
    execution === 'latest'
      ? (await listNewestFirst(c, BUCKET_PREFIXES.reports))[0]?.key
      : reportKeyOf(executionNameOf(execution));
  if (!key)
    throw new NotFoundError(`no validation report in s3://${c.target.bucket}/${BUCKET_PREFIXES.reports} yet`);
  const found = await readRecord(c, key, reportSchema);
  if (!found)
    throw new NotFoundError(
      `no report s3://${c.target.bucket}/${key}: unknown execution, or it ended before validation (see history)`,
    );
  return reportView(key, found);
}

/** The report when it exists (an execution still validating has none yet). */
export async function reportIfAny(c: Connection, execution: string): Promise<ReportView | null> {
  const found = await readRecord(c, reportKeyOf(execution), reportSchema);
  return found ? reportView(reportKeyOf(execution), found) : null;
}
