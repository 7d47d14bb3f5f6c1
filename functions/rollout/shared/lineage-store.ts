import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { s3 } from '../../shared/aws-clients.js';
import { isNotFound } from './aws-errors.js';
import { CorruptLineageError } from './errors.js';
import { type LineageRecord, lineageKey, lineageRecordSchema, newLineage } from './lineage.js';

/**
 * Read-modify-write of `rollouts/<execution>.json`. The steps of one execution run one after
 * another, so only commands acting on another execution's record can race it; losing one of two
 * simultaneous outcome notes is accepted (the alias, not the record, is the source of truth).
 */
export async function readLineage(bucket: string, execution: string): Promise<LineageRecord | undefined> {
  try {
    const out = await s3().send(new GetObjectCommand({ Bucket: bucket, Key: lineageKey(execution) }));
    const text = (await out.Body?.transformToString()) ?? '';
    return parseLineage(text, lineageKey(execution));
  } catch (err) {
    if (isNotFound(err) || (err instanceof Error && err.name === 'NoSuchKey')) return undefined;
    throw err;
  }
}

/** The record as stored, checked at the boundary (lineage.ts, lineageRecordSchema). */
export function parseLineage(text: string, key: string): LineageRecord {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CorruptLineageError(`${key} is not JSON`);
  }
  const parsed = lineageRecordSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'record'}: ${i.message}`);
    throw new CorruptLineageError(`${key} is not a lineage record: ${problems.slice(0, 5).join('; ')}`);
  }
  // Checked where the steps read it; the other fields are carried as the pipeline wrote them.
  return parsed.data as unknown as LineageRecord;
}

export async function writeLineage(bucket: string, record: LineageRecord): Promise<void> {
  await s3().send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: lineageKey(record.execution),
      Body: `${JSON.stringify(record, null, 2)}\n`,
      ContentType: 'application/json',
    }),
  );
}

export async function updateLineage(
  bucket: string,
  execution: string,
  kind: LineageRecord['kind'],
  update: (record: LineageRecord) => LineageRecord,
  now: () => Date = () => new Date(),
): Promise<LineageRecord> {
  const current = (await readLineage(bucket, execution)) ?? newLineage(execution, kind, now().toISOString());
  const next = update(current);
  await writeLineage(bucket, next);
  return next;
}
