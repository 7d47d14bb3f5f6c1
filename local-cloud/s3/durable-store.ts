import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, open, readdir, rename, rmdir, unlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { writeFileAtomic } from '../json-file.js';
import { isValidBucketName, keyToSegments, segmentsToKey } from './key-path.js';

/**
 * s3rver's filesystem store writes objects in place and resolves a Buffer put before the bytes are
 * on disk, so a crash mid-write truncates the object — including one that existed before. This
 * subclass writes every file to a temporary name outside the bucket tree, fsyncs it and renames it
 * into place: a reader (or the next start) sees the old object or the new one, whole. It also maps
 * keys to paths with key-path.ts (every key inside its bucket's directory, whatever it contains)
 * instead of s3rver's verbatim join, so everything that reads or removes paths is overridden too.
 */
const require = createRequire(import.meta.url);
// biome-ignore lint/suspicious/noExplicitAny: s3rver ships no types; the subclass overrides some methods.
const FilesystemStore = require('s3rver/lib/stores/filesystem.js') as any;
// biome-ignore lint/suspicious/noExplicitAny: see above.
const S3Object = require('s3rver/lib/models/object.js') as any;
const OBJECT_SUFFIX = '._S3rver_object';

/** What a bucket name that breaks S3's rules resolves to: nothing (s3rver answers as for a missing one). */
function missing(name: string): Error {
  return Object.assign(new Error(`no such bucket: ${name}`), { code: 'ENOENT' });
}

interface S3ObjectLike {
  bucket: string;
  key: string;
  content: Buffer | Readable;
  metadata: Record<string, string>;
}

export function createDurableStore(rootDirectory: string, tmpDirectory: string) {
  class DurableStore extends FilesystemStore {
    getBucketPath(bucket: string): string {
      if (!isValidBucketName(bucket)) throw missing(bucket);
      return path.join(rootDirectory, bucket);
    }

    /** `key` empty: a bucket-level resource (s3rver's `._S3rver_uploads`, `._S3rver_cors.xml`). */
    getResourcePath(bucket: string, key = '', resource: string): string {
      const segments = key === '' ? [''] : keyToSegments(key);
      const last = segments.pop() as string;
      return path.join(this.getBucketPath(bucket), ...segments, `${last}._S3rver_${resource}`);
    }

    async getBucket(bucket: string) {
      return isValidBucketName(bucket) ? super.getBucket(bucket) : null;
    }

    /** s3rver's listing walks paths and compares them with unescaped keys; this one lists keys. */
    async listObjects(
      bucket: string,
      options: { delimiter?: string; startAfter?: string; prefix?: string; maxKeys?: number },
    ) {
      const { delimiter = '', startAfter = '', prefix = '', maxKeys = Number.POSITIVE_INFINITY } = options;
      const all = (await objectKeys(this.getBucketPath(bucket), []))
        .filter((k) => byteOrder(k, startAfter) > 0 && k.startsWith(prefix))
        .sort(byteOrder);
      const commonPrefixes = new Set<string>();
      const keys: string[] = [];
      let isTruncated = false;
      for (const key of all) {
        const idx = delimiter ? key.slice(prefix.length).indexOf(delimiter) : -1;
        if (idx !== -1) {
          commonPrefixes.add(key.slice(0, prefix.length + idx + delimiter.length));
        } else if (keys.length < maxKeys) {
          keys.push(key);
        } else {
          isTruncated = true;
          break;
        }
      }
      const objects = [];
      for (const key of keys) {
        const metadata = await this.getMetadata(bucket, key).catch((err: NodeJS.ErrnoException) => {
          if (err.code === 'ENOENT') return undefined;
          throw err;
        });
        if (metadata) objects.push(new S3Object(bucket, key, null, metadata));
      }
      return { objects, commonPrefixes: [...commonPrefixes].sort(byteOrder), isTruncated };
    }

    /** As s3rver's, but the emptied directories it removes are the key's own, never above the bucket. */
    async deleteObject(bucket: string, key: string): Promise<void> {
      const objectPath = this.getResourcePath(bucket, key, 'object');
      for (const resource of ['object', 'object.md5', 'metadata.json']) {
        await unlink(this.getResourcePath(bucket, key, resource)).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOENT') throw err;
        });
      }
      const bucketPath = this.getBucketPath(bucket);
      for (
        let dir = path.dirname(objectPath);
        dir.startsWith(`${bucketPath}${path.sep}`);
        dir = path.dirname(dir)
      ) {
        if ((await readdir(dir)).length > 0) break;
        await rmdir(dir);
      }
    }

    private tmpName(): string {
      return path.join(tmpDirectory, `${Date.now()}-${randomBytes(8).toString('hex')}.tmp`);
    }

    /**
     * s3rver sizes a GET from a stat of the path and then opens the path: an overwrite renamed into
     * place between the two served the new bytes cut to the old length (a reader saw truncated
     * JSON). Real S3 serves one version whole, so open first and size the response from that file.
     */
    async getObject(bucket: string, key: string, options?: { start?: number; end?: number }) {
      let handle: Awaited<ReturnType<typeof open>>;
      try {
        handle = await open(this.getResourcePath(bucket, key, 'object'), 'r');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
      try {
        const { size } = await handle.stat();
        const metadata = { ...(await this.getMetadata(bucket, key)), 'content-length': String(size) };
        const lastByte = Math.max(0, size - 1);
        const ranged = options !== undefined && (options.start !== undefined || options.end !== undefined);
        const range = {
          start: options?.start ?? 0,
          end: Math.min(options?.end ?? Number.POSITIVE_INFINITY, lastByte),
        };
        if (range.start < 0 || range.end < range.start) {
          await handle.close();
          const object = new S3Object(bucket, key, null, metadata);
          if (ranged) object.range = range;
          return object;
        }
        const object = new S3Object(bucket, key, handle.createReadStream(range), metadata);
        if (ranged) object.range = range;
        return object;
      } catch (err) {
        await handle.close();
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
    }

    async putObject(object: S3ObjectLike): Promise<{ size: number; md5: string }> {
      const objectPath: string = this.getResourcePath(object.bucket, object.key, 'object');
      await mkdir(path.dirname(objectPath), { recursive: true });
      await mkdir(tmpDirectory, { recursive: true });
      const tmp = this.tmpName();
      const md5 = createHash('md5');
      let size = 0;
      const handle = await open(tmp, 'w');
      try {
        const chunks: AsyncIterable<Buffer> = Buffer.isBuffer(object.content)
          ? toAsync([object.content])
          : (object.content as AsyncIterable<Buffer>);
        for await (const chunk of chunks) {
          md5.update(chunk);
          size += chunk.length;
          await handle.write(chunk);
        }
        await handle.sync();
      } catch (err) {
        await handle.close();
        await unlink(tmp).catch(() => {});
        throw err;
      }
      await handle.close();
      const digest = md5.digest('hex');
      await this.putMetadata(object.bucket, object.key, object.metadata, digest);
      await rename(tmp, objectPath);
      await syncDir(path.dirname(objectPath));
      return { size, md5: digest };
    }

    async putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5?: string) {
      const metadataPath: string = this.getResourcePath(bucket, key, 'metadata.json');
      const md5Path: string = this.getResourcePath(bucket, key, 'object.md5');
      const allowed: string[] = require('s3rver/lib/models/object.js').ALLOWED_METADATA;
      const json: Record<string, string> = {};
      for (const [k, v] of Object.entries(metadata)) {
        if (allowed.includes(k) || k.startsWith('x-amz-meta-')) json[k] = v;
      }
      await mkdir(path.dirname(metadataPath), { recursive: true });
      if (md5) await this.writeAtomic(md5Path, Buffer.from(md5));
      await this.writeAtomic(metadataPath, Buffer.from(JSON.stringify(json, null, 2)));
    }

    async copyObject(
      srcBucket: string,
      srcKey: string,
      destBucket: string,
      destKey: string,
      replacementMetadata?: Record<string, string>,
    ) {
      const src: string = this.getResourcePath(srcBucket, srcKey, 'object');
      const dest: string = this.getResourcePath(destBucket, destKey, 'object');
      if (src !== dest) {
        await mkdir(path.dirname(dest), { recursive: true });
        await mkdir(tmpDirectory, { recursive: true });
        const tmp = this.tmpName();
        await copyFile(src, tmp);
        await fsyncFile(tmp);
        const md5 = await md5OfFile(tmp);
        const metadata = replacementMetadata ?? (await this.getMetadata(srcBucket, srcKey));
        await this.putMetadata(destBucket, destKey, metadata, md5);
        await rename(tmp, dest);
        await syncDir(path.dirname(dest));
      } else if (replacementMetadata) {
        await this.putMetadata(destBucket, destKey, replacementMetadata);
      }
      return this.getMetadata(destBucket, destKey);
    }

    private async writeAtomic(file: string, data: Buffer): Promise<void> {
      await mkdir(tmpDirectory, { recursive: true });
      await writeFileAtomic(file, data, { tmpDir: tmpDirectory });
    }
  }
  // biome-ignore lint/suspicious/noExplicitAny: see FilesystemStore above.
  return new (DurableStore as any)(rootDirectory);
}

/** Every key stored under `dir` (`segments` the escaped path to it); s3rver's own files start with a dot. */
async function objectKeys(dir: string, segments: string[]): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
  const keys: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    if (entry.isDirectory())
      keys.push(...(await objectKeys(path.join(dir, entry.name), [...segments, entry.name])));
    else if (entry.name.endsWith(OBJECT_SUFFIX)) {
      keys.push(segmentsToKey([...segments, entry.name.slice(0, -OBJECT_SUFFIX.length)]));
    }
  }
  return keys;
}

/** S3 lists keys in UTF-8 binary order. */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

async function* toAsync(items: Buffer[]): AsyncIterable<Buffer> {
  yield* items;
}

async function fsyncFile(file: string): Promise<void> {
  const h = await open(file, 'r+');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

async function syncDir(dir: string): Promise<void> {
  const h = await open(dir, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

function md5OfFile(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('md5');
    createReadStream(file)
      .on('data', (c) => hash.update(c))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}
