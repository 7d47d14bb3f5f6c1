import { createHash, randomBytes } from 'node:crypto';
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { s3 } from './aws-clients.js';

/**
 * Model bytes pinned by sha256: S3 → verified bytes, with a /tmp copy that later environments of
 * the same container reuse. The old Python service cached under a fixed file name, so a container
 * kept serving the previous model after MODEL_KEY changed and nothing checked the bytes. Here the
 * cache file is named by the expected sha256 and re-hashed before use, and bytes that fail
 * verification are neither returned nor written to /tmp.
 */

export interface ModelLocation {
  bucket: string;
  key: string;
  /** Expected sha256 of the object's bytes, lowercase hex. */
  sha256: string;
  /** S3 object version (versioned buckets): pins the bytes even if the key is overwritten. */
  versionId?: string;
  /** Expected size in bytes; lets a wrong object be refused before its body is read. */
  size?: number;
}

/** S3 could not serve the object (missing, denied, unreachable, unreadable body). */
export class ModelUnavailableError extends Error {
  override name = 'ModelUnavailable';
}

/** S3 served bytes that are not the pinned model (sha256 or size differ). */
export class ModelIntegrityError extends Error {
  override name = 'ModelIntegrity';
  constructor(
    message: string,
    readonly expectedSha256: string,
    readonly actualSha256?: string,
  ) {
    super(message);
  }
}

export interface FetchedModel {
  bytes: Uint8Array;
  /** Where the verified bytes came from. */
  source: 'tmp' | 's3';
  /** A /tmp file with the right name held other bytes and was discarded. */
  discardedCache: boolean;
  downloadMs: number;
  verifyMs: number;
}

export interface FetchOptions {
  /** Cache directory; defaults to os.tmpdir() so each (local) environment can have its own /tmp. */
  dir?: string;
  /** Objects above this are refused before download (Lambda's /tmp and memory are finite). */
  maxBytes?: number;
}

export const DEFAULT_MAX_MODEL_BYTES = 256 * 1024 * 1024;

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** The /tmp file for a sha256; refuses anything but 64 hex digits, since it becomes part of a path. */
export function cacheFilePath(sha256: string, dir: string = tmpdir()): string {
  const sha = sha256.toLowerCase();
  if (!SHA256_HEX.test(sha))
    throw new ModelIntegrityError(`"${sha256.slice(0, 80)}" is not a sha256`, sha256);
  return join(dir, `hypermob-model-${sha}.onnx`);
}

function describeLocation(loc: ModelLocation): string {
  return `s3://${loc.bucket}/${loc.key}${loc.versionId ? `?versionId=${loc.versionId}` : ''}`;
}

async function readCached(path: string, sha256: string): Promise<{ bytes?: Uint8Array; discarded: boolean }> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch {
    return { discarded: false };
  }
  if (sha256Hex(bytes) === sha256) return { bytes, discarded: false };
  // Truncated by a crash, or tampered with: never trusted, replaced by a verified download.
  await unlink(path).catch(() => undefined);
  return { discarded: true };
}

async function download(loc: ModelLocation, maxBytes: number): Promise<Uint8Array> {
  let body: { transformToByteArray(): Promise<Uint8Array> } | undefined;
  let length: number | undefined;
  try {
    const res = await s3().send(
      new GetObjectCommand({ Bucket: loc.bucket, Key: loc.key, VersionId: loc.versionId }),
    );
    body = res.Body;
    length = res.ContentLength;
  } catch (err) {
    const e = err as Error;
    throw new ModelUnavailableError(`cannot get ${describeLocation(loc)}: ${e.name}: ${e.message}`, {
      cause: err,
    });
  }
  if (!body) throw new ModelUnavailableError(`${describeLocation(loc)} has no body`);
  if (length !== undefined && loc.size !== undefined && length !== loc.size) {
    throw new ModelIntegrityError(
      `${describeLocation(loc)} is ${length} bytes, expected ${loc.size}`,
      loc.sha256,
    );
  }
  if (length !== undefined && length > maxBytes) {
    throw new ModelIntegrityError(
      `${describeLocation(loc)} is ${length} bytes, over the ${maxBytes} limit`,
      loc.sha256,
    );
  }
  try {
    return await body.transformToByteArray();
  } catch (err) {
    throw new ModelUnavailableError(`reading ${describeLocation(loc)} failed: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

async function writeCache(path: string, bytes: Uint8Array): Promise<void> {
  // Write-then-rename: a concurrent reader or a crash never sees a half-written file under the name.
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.part`;
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } catch {
    // A full or read-only /tmp only costs the next cold start a download.
    await unlink(tmp).catch(() => undefined);
  }
}

const inFlight = new Map<string, Promise<FetchedModel>>();

async function fetchOnce(loc: ModelLocation, opts: FetchOptions): Promise<FetchedModel> {
  const expected = loc.sha256.toLowerCase();
  const path = cacheFilePath(expected, opts.dir);
  let t = performance.now();
  const cached = await readCached(path, expected);
  if (cached.bytes) {
    return {
      bytes: cached.bytes,
      source: 'tmp',
      discardedCache: false,
      downloadMs: 0,
      verifyMs: performance.now() - t,
    };
  }
  t = performance.now();
  const bytes = await download(loc, opts.maxBytes ?? DEFAULT_MAX_MODEL_BYTES);
  const downloadMs = performance.now() - t;
  t = performance.now();
  const actual = sha256Hex(bytes);
  const verifyMs = performance.now() - t;
  if (actual !== expected) {
    throw new ModelIntegrityError(
      `${describeLocation(loc)} has sha256 ${actual}, expected ${expected}`,
      expected,
      actual,
    );
  }
  await writeCache(path, bytes);
  return { bytes, source: 's3', discardedCache: cached.discarded, downloadMs, verifyMs };
}

/**
 * The verified bytes of the pinned model, from /tmp when a file there hashes right, else from S3.
 * Concurrent calls for the same location share one read/download. Throws ModelUnavailableError or
 * ModelIntegrityError; nothing is cached on failure, so a later call tries again.
 */
export function fetchVerifiedModel(loc: ModelLocation, opts: FetchOptions = {}): Promise<FetchedModel> {
  const id = `${describeLocation(loc)}#${loc.sha256.toLowerCase()}@${opts.dir ?? tmpdir()}`;
  let pending = inFlight.get(id);
  if (!pending) {
    pending = fetchOnce(loc, opts).finally(() => inFlight.delete(id));
    inFlight.set(id, pending);
  }
  return pending;
}
