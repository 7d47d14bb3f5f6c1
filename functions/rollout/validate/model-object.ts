import type { Readable } from 'node:stream';
import { GetObjectCommand, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import { s3 } from '../../shared/aws-clients.js';
import { sha256Hex } from '../../shared/model-store.js';
import { ModelRejectedError } from '../shared/errors.js';
import type { ValidateInput } from './event.js';

/** The uploaded object as validated: its identity, and its bytes unless too big to read. */
export interface CandidateObject {
  size: number;
  bytes?: Uint8Array;
  sha256?: string;
  versionId?: string;
  etag?: string;
  downloadMs: number;
}

const GONE = new Set(['NoSuchKey', 'NoSuchVersion', 'NotFound']);

/**
 * Reads the candidate (the exact version when the event names one). An object over `maxBytes` is not
 * read at all — its size is enough to reject it — so a huge upload cannot exhaust the function's
 * memory. A vanished object is a rejection (nothing to roll out); other S3 errors propagate for the
 * state machine's retry.
 */
export async function readCandidate(input: ValidateInput, maxBytes: number): Promise<CandidateObject> {
  const t0 = performance.now();
  let res: GetObjectCommandOutput;
  try {
    res = await s3().send(
      new GetObjectCommand({ Bucket: input.bucket, Key: input.key, VersionId: input.versionId }),
    );
  } catch (err) {
    if (err instanceof Error && GONE.has(err.name)) {
      throw new ModelRejectedError(
        `s3://${input.bucket}/${input.key}${input.versionId ? `?versionId=${input.versionId}` : ''} no longer exists`,
        { cause: err },
      );
    }
    throw err;
  }
  const identity = { versionId: res.VersionId ?? input.versionId, etag: res.ETag ?? input.etag };
  const declared = res.ContentLength;
  if (declared !== undefined && declared > maxBytes) {
    (res.Body as unknown as Readable | undefined)?.destroy?.();
    return { size: declared, ...identity, downloadMs: performance.now() - t0 };
  }
  const bytes = (await res.Body?.transformToByteArray()) ?? new Uint8Array();
  return {
    size: bytes.length,
    bytes,
    sha256: sha256Hex(bytes),
    ...identity,
    downloadMs: performance.now() - t0,
  };
}
