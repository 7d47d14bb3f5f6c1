import { PutObjectCommand } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { TimeoutError } from '../errors.js';
import type { Connection } from '../read-model/connect.js';

/**
 * Uploads a model with its rollout metadata and finds the execution the upload started: the one
 * whose input (the S3 "Object Created" event) names this key and this ETag — or this version id on a
 * versioned bucket. Bounded: only executions started since the upload, newest first, each described once.
 */
export interface Uploaded {
  key: string;
  etag: string;
  versionId?: string;
  /** epoch ms just before the PutObject */
  since: number;
}

export async function putModel(
  c: Connection,
  key: string,
  bytes: Uint8Array,
  metadata: Record<string, string>,
): Promise<Uploaded> {
  const since = Date.now();
  const out = await c.s3.send(
    new PutObjectCommand({ Bucket: c.target.bucket, Key: key, Body: bytes, Metadata: metadata }),
  );
  return {
    key,
    etag: (out.ETag ?? '').replace(/"/g, ''),
    ...(out.VersionId ? { versionId: out.VersionId } : {}),
    since,
  };
}

interface EventInput {
  detail?: { object?: { key?: string; etag?: string; 'version-id'?: string } };
}

export function startedBy(input: string | undefined, u: Uploaded): boolean {
  try {
    const o = (JSON.parse(input ?? '{}') as EventInput).detail?.object;
    if (o?.key !== u.key) return false;
    return u.versionId && o['version-id']
      ? o['version-id'] === u.versionId
      : o.etag?.replace(/"/g, '') === u.etag;
  } catch {
    return false;
  }
}

/** The execution's ARN; TimeoutError when none appears (no EventBridge rule for the bucket?). */
export async function findExecution(c: Connection, u: Uploaded, timeoutMs = 60_000): Promise<string> {
  const seen = new Set<string>();
  const deadline = Date.now() + timeoutMs;
  // Clocks of this machine and the service may differ by a little.
  const since = u.since - 60_000;
  while (Date.now() < deadline) {
    const page = await c.sfn.send(
      new ListExecutionsCommand({ stateMachineArn: c.target.stateMachineArn, maxResults: 20 }),
    );
    for (const e of page.executions ?? []) {
      const arn = e.executionArn ?? '';
      if (seen.has(arn) || (e.startDate?.getTime() ?? 0) < since) continue;
      seen.add(arn);
      const d = await c.sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
      if (startedBy(d.input, u)) return arn;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new TimeoutError(
    `no execution of ${c.target.stateMachineName} started for s3://${c.target.bucket}/${u.key} within ${timeoutMs / 1000} s; the upload is in the bucket (is the EventBridge rule deployed?)`,
  );
}
