import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { z } from 'zod';
import type { Connection } from './connect.js';
import { parseRecord } from './records.js';

/** Reads of the model bucket's JSON records (lineage under rollouts/, reports under reports/). */

export interface ListedKey {
  key: string;
  lastModified: number;
}

/** Every key under a prefix, newest first by LastModified. */
export async function listNewestFirst(c: Connection, prefix: string): Promise<ListedKey[]> {
  const keys: ListedKey[] = [];
  let token: string | undefined;
  do {
    const page = await c.s3.send(
      new ListObjectsV2Command({ Bucket: c.target.bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) {
      if (o.Key?.endsWith('.json')) keys.push({ key: o.Key, lastModified: o.LastModified?.getTime() ?? 0 });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys.sort((a, b) => b.lastModified - a.lastModified);
}

/** A JSON record parsed with its schema; undefined when the key does not exist. */
export async function readRecord<T>(
  c: Connection,
  key: string,
  schema: z.ZodType<T>,
): Promise<T | undefined> {
  try {
    const out = await c.s3.send(new GetObjectCommand({ Bucket: c.target.bucket, Key: key }));
    return parseRecord(schema, key, (await out.Body?.transformToString()) ?? '');
  } catch (err) {
    if (err instanceof Error && ['NoSuchKey', 'NotFound'].includes(err.name)) return undefined;
    throw err;
  }
}
