import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setClients } from '../../functions/shared/aws-clients.js';
import {
  cacheFilePath,
  fetchVerifiedModel,
  ModelIntegrityError,
  type ModelLocation,
  ModelUnavailableError,
  sha256Hex,
} from '../../functions/shared/model-store.js';
import { FakeS3, freshTmp } from '../support/recommend-fakes.js';

const A = new TextEncoder().encode('model A bytes');
const B = new TextEncoder().encode('model B bytes, different');
const loc = (key: string, bytes: Uint8Array, extra: Partial<ModelLocation> = {}): ModelLocation => ({
  bucket: 'models',
  key,
  sha256: sha256Hex(bytes),
  ...extra,
});

let s3: FakeS3;
let tmp: ReturnType<typeof freshTmp>;
beforeEach(() => {
  s3 = new FakeS3();
  setClients({ s3: s3.asClient() });
  tmp = freshTmp();
});
afterEach(() => {
  setClients({});
  tmp.cleanup();
});

describe('fetchVerifiedModel', () => {
  it('downloads, verifies and caches under a sha256-derived name; the next environment reuses the file', async () => {
    s3.put('models', 'a.onnx', A);
    const first = await fetchVerifiedModel(loc('a.onnx', A), { dir: tmp.dir });
    expect(first).toMatchObject({ source: 's3', discardedCache: false });
    expect(Buffer.from(first.bytes)).toEqual(Buffer.from(A));
    const path = cacheFilePath(sha256Hex(A), tmp.dir);
    expect(path).toContain(sha256Hex(A));
    expect(readFileSync(path)).toEqual(Buffer.from(A));
    expect(readdirSync(tmp.dir)).toEqual([path.split('/').pop()]); // no .part leftovers

    const second = await fetchVerifiedModel(loc('a.onnx', A), { dir: tmp.dir });
    expect(second.source).toBe('tmp');
    expect(s3.gets).toBe(1);
  });

  it('a changed MODEL_KEY/MODEL_SHA256 never serves the file cached for the old one', async () => {
    s3.put('models', 'car_fit_model.onnx', A);
    await fetchVerifiedModel(loc('car_fit_model.onnx', A), { dir: tmp.dir });
    // The same key now holds B and the configuration pins B: the old bug served the cached A.
    s3.put('models', 'car_fit_model.onnx', B);
    const next = await fetchVerifiedModel(loc('car_fit_model.onnx', B), { dir: tmp.dir });
    expect(next.source).toBe('s3');
    expect(Buffer.from(next.bytes)).toEqual(Buffer.from(B));
    expect(s3.gets).toBe(2);
  });

  it('does not trust a cached file with the right name but the wrong bytes', async () => {
    s3.put('models', 'a.onnx', A);
    const path = cacheFilePath(sha256Hex(A), tmp.dir);
    writeFileSync(path, B);
    const got = await fetchVerifiedModel(loc('a.onnx', A), { dir: tmp.dir });
    expect(got).toMatchObject({ source: 's3', discardedCache: true });
    expect(Buffer.from(got.bytes)).toEqual(Buffer.from(A));
    expect(readFileSync(path)).toEqual(Buffer.from(A));
  });

  it('refuses bytes whose sha256 differs and never writes them to /tmp', async () => {
    s3.put('models', 'a.onnx', B);
    const err = await fetchVerifiedModel(loc('a.onnx', A), { dir: tmp.dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelIntegrityError);
    expect((err as ModelIntegrityError).name).toBe('ModelIntegrity');
    expect((err as ModelIntegrityError).actualSha256).toBe(sha256Hex(B));
    expect(readdirSync(tmp.dir)).toEqual([]);
    expect(existsSync(cacheFilePath(sha256Hex(B), tmp.dir))).toBe(false);
  });

  it('refuses an object of the wrong size before reading it when MODEL_SIZE is set', async () => {
    s3.put('models', 'a.onnx', B);
    const err = await fetchVerifiedModel(loc('a.onnx', A, { size: A.length }), { dir: tmp.dir }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ModelIntegrityError);
    expect((err as Error).message).toContain(`expected ${A.length}`);
  });

  it.each(['NoSuchKey', 'AccessDenied', 'TimeoutError'] as const)(
    'turns S3 %s into ModelUnavailable',
    async (kind) => {
      s3.fail('models', 'a.onnx', kind);
      const err = await fetchVerifiedModel(loc('a.onnx', A), { dir: tmp.dir }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ModelUnavailableError);
      expect((err as Error).message).toContain(kind);
      expect((err as Error).message).toContain('s3://models/a.onnx');
    },
  );

  it('fetches the pinned S3 version, not whatever the key holds now', async () => {
    s3.put('models', 'a.onnx', A, 'v1');
    s3.put('models', 'a.onnx', B, 'v2');
    const got = await fetchVerifiedModel(loc('a.onnx', A, { versionId: 'v1' }), { dir: tmp.dir });
    expect(Buffer.from(got.bytes)).toEqual(Buffer.from(A));
  });

  it('concurrent first calls share one download', async () => {
    s3.put('models', 'a.onnx', A);
    s3.delayMs = 20;
    const results = await Promise.all(
      Array.from({ length: 8 }, () => fetchVerifiedModel(loc('a.onnx', A), { dir: tmp.dir })),
    );
    expect(s3.gets).toBe(1);
    for (const r of results) expect(Buffer.from(r.bytes)).toEqual(Buffer.from(A));
  });

  it('does not remember failures: a later call tries S3 again', async () => {
    s3.fail('models', 'a.onnx', 'AccessDenied');
    await expect(fetchVerifiedModel(loc('a.onnx', A), { dir: tmp.dir })).rejects.toThrow(
      ModelUnavailableError,
    );
    s3.put('models', 'a.onnx', A);
    await expect(fetchVerifiedModel(loc('a.onnx', A), { dir: tmp.dir })).resolves.toMatchObject({
      source: 's3',
    });
  });

  it('refuses a pinned sha256 that is not 64 hex digits (it becomes part of a /tmp path)', async () => {
    s3.put('models', 'a.onnx', A);
    for (const sha of ['../../etc/passwd', 'abc', `${sha256Hex(A)}/x`]) {
      await expect(
        fetchVerifiedModel({ bucket: 'models', key: 'a.onnx', sha256: sha }, { dir: tmp.dir }),
      ).rejects.toThrow(ModelIntegrityError);
    }
    expect(s3.gets).toBe(0);
  });

  it('uses os.tmpdir() by default, so each environment can have its own /tmp', async () => {
    const previous = process.env.TMPDIR;
    process.env.TMPDIR = tmp.dir;
    try {
      s3.put('models', 'a.onnx', A);
      await fetchVerifiedModel(loc('a.onnx', A));
      expect(existsSync(cacheFilePath(sha256Hex(A), tmp.dir))).toBe(true);
    } finally {
      if (previous === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = previous;
    }
  });
});
