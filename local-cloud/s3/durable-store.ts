import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, open, rename, unlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { writeFileAtomic } from '../json-file.js';

/**
 * s3rver's filesystem store writes objects in place and resolves a Buffer put before the bytes are
 * on disk, so a crash mid-write truncates the object — including one that existed before. This
 * subclass writes every file to a temporary name outside the bucket tree, fsyncs it and renames it
 * into place: a reader (or the next start) sees the old object or the new one, whole.
 */
const require = createRequire(import.meta.url);
// biome-ignore lint/suspicious/noExplicitAny: s3rver ships no types; the subclass overrides three methods.
const FilesystemStore = require('s3rver/lib/stores/filesystem.js') as any;

interface S3ObjectLike {
  bucket: string;
  key: string;
  content: Buffer | Readable;
  metadata: Record<string, string>;
}

export function createDurableStore(rootDirectory: string, tmpDirectory: string) {
  class DurableStore extends FilesystemStore {
    private tmpName(): string {
      return path.join(tmpDirectory, `${Date.now()}-${randomBytes(8).toString('hex')}.tmp`);
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
