import { randomUUID } from 'node:crypto';

/**
 * The EventBridge "Object Created" event S3 sends when a bucket has EventBridge notifications on
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html). Pure: the gateway fills
 * in what it observed.
 */
export type ObjectCreatedReason = 'PutObject' | 'CompleteMultipartUpload' | 'CopyObject';

export interface ObjectCreatedInput {
  region: string;
  accountId: string;
  bucket: string;
  key: string;
  size: number;
  etag: string;
  versionId?: string;
  reason: ObjectCreatedReason;
  requestId: string;
  requester: string;
  time?: Date;
}

let lastSequencer = 0n;

/** S3's sequencer: a hex string that orders events of one key; monotonic here. */
function nextSequencer(): string {
  const now = BigInt(Date.now()) * 1_000_000n;
  lastSequencer = now > lastSequencer ? now : lastSequencer + 1n;
  return lastSequencer.toString(16).toUpperCase().padStart(18, '0');
}

export function objectCreatedEvent(input: ObjectCreatedInput) {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: input.accountId,
    time: (input.time ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: input.region,
    resources: [`arn:aws:s3:::${input.bucket}`],
    detail: {
      version: '0',
      bucket: { name: input.bucket },
      object: {
        key: input.key,
        size: input.size,
        etag: input.etag.replace(/"/g, ''),
        ...(input.versionId ? { 'version-id': input.versionId } : {}),
        sequencer: nextSequencer(),
      },
      'request-id': input.requestId,
      requester: input.requester,
      reason: input.reason,
    },
  };
}

export type ObjectCreatedEvent = ReturnType<typeof objectCreatedEvent>;

/**
 * Which write a request is, from its method, path and query; undefined for everything that does
 * not create an object (reads, part uploads, bucket operations, deletes).
 */
export function objectWriteReason(
  method: string,
  key: string | undefined,
  query: URLSearchParams,
  headers: Record<string, string | string[] | undefined>,
): ObjectCreatedReason | undefined {
  if (!key) return undefined;
  if (
    method === 'PUT' &&
    !query.has('uploadId') &&
    !query.has('partNumber') &&
    !query.has('tagging') &&
    !query.has('acl')
  ) {
    return headers['x-amz-copy-source'] ? 'CopyObject' : 'PutObject';
  }
  if (method === 'POST' && query.has('uploadId')) return 'CompleteMultipartUpload';
  return undefined;
}
