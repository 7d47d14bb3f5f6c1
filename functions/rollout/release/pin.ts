import { createHash } from 'node:crypto';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
} from '@aws-sdk/client-s3';
import { s3 } from '../../shared/aws-clients.js';
import { isNotFound } from '../shared/aws-errors.js';
import { ModelRejectedError } from '../shared/errors.js';
import type { ModelRef } from '../shared/state.js';
import { pinnedKeyFor } from './model-env.js';

/**
 * Pins the validated bytes under `pinned/<sha256>.model`, a key nothing else writes, so a later
 * overwrite of the uploaded key can never change what a published version serves. The copy is
 * read back and hashed; bytes that are not the validated ones are deleted and the model rejected.
 */
export interface Pinned {
  pinnedKey: string;
  pinnedVersionId?: string;
  size: number;
}

export async function hashObject(bucket: string, key: string, versionId?: string) {
  const out = await s3().send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of out.Body as AsyncIterable<Uint8Array>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest('hex'), size, versionId: out.VersionId };
}

function copySource(model: ModelRef): string {
  const key = model.key.split('/').map(encodeURIComponent).join('/');
  return `${model.bucket}/${key}${model.versionId ? `?versionId=${encodeURIComponent(model.versionId)}` : ''}`;
}

export async function pinModel(model: ModelRef, sha256: string, size: number): Promise<Pinned> {
  const pinnedKey = pinnedKeyFor(sha256);
  const existing = await existingPin(model.bucket, pinnedKey);
  if (existing) {
    const check = await hashObject(model.bucket, pinnedKey, existing.versionId);
    if (check.sha256 === sha256) return pin(pinnedKey, check.size, check.versionId);
  }
  const copy = await s3().send(
    new CopyObjectCommand({
      Bucket: model.bucket,
      Key: pinnedKey,
      CopySource: copySource(model),
      MetadataDirective: 'REPLACE',
      Metadata: { sha256, 'source-key': model.key.slice(0, 1024) },
      // The default (COPY) copies the upload's tags, which needs s3:GetObjectTagging and
      // s3:PutObjectTagging; the pinned copy needs none of the uploader's tags.
      TaggingDirective: 'REPLACE',
      ContentType: 'application/octet-stream',
    }),
  );
  const check = await hashObject(model.bucket, pinnedKey, copy.VersionId);
  if (check.sha256 !== sha256 || check.size !== size) {
    await s3().send(
      new DeleteObjectCommand({ Bucket: model.bucket, Key: pinnedKey, VersionId: copy.VersionId }),
    );
    throw new ModelRejectedError(
      `s3://${model.bucket}/${model.key} changed after validation (validated sha256 ${sha256}, ${size} bytes; ` +
        `copied ${check.sha256}, ${check.size} bytes); the newer upload has its own rollout`,
    );
  }
  return pin(pinnedKey, check.size, copy.VersionId ?? check.versionId);
}

function pin(pinnedKey: string, size: number, versionId: string | undefined): Pinned {
  // Unversioned buckets (and s3rver) report no version, or the literal "null".
  return versionId && versionId !== 'null'
    ? { pinnedKey, size, pinnedVersionId: versionId }
    : { pinnedKey, size };
}

async function existingPin(bucket: string, key: string): Promise<{ versionId?: string } | undefined> {
  try {
    const head = await s3().send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return head.VersionId ? { versionId: head.VersionId } : {};
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
