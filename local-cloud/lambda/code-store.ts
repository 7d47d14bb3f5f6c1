import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { constants, cp, mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/**
 * Content-addressed copies of function bundles under `<lambda dir>/code/<sha256 hex>/`. $LATEST and
 * every published version point at one, so rebuilding dist/functions never changes what a published
 * version runs. Copies (reflinks where the filesystem has them), not hardlinks: a writer that
 * truncates a bundle file in place would otherwise rewrite the snapshot too.
 */
export interface CodeSnapshot {
  /** Relative to the lambda data dir. */
  codeDir: string;
  codeSha256: string;
  codeSize: number;
}

/** Files that describe a build rather than being part of it. */
const IGNORED = new Set(['.inputs.json']);

export async function hashBundle(dir: string): Promise<{ hex: string; base64: string; size: number }> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile() && !IGNORED.has(e.name))
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
  const hash = createHash('sha256');
  let size = 0;
  for (const rel of files) {
    const data = await readFile(path.join(dir, rel));
    size += data.length;
    hash.update(`${rel}\0${data.length}\0`);
    hash.update(data);
  }
  const digest = hash.digest();
  return { hex: digest.toString('hex'), base64: digest.toString('base64'), size };
}

export async function snapshotBundle(lambdaDir: string, bundleDir: string): Promise<CodeSnapshot> {
  if (!existsSync(path.join(bundleDir, 'index.mjs')) && !existsSync(path.join(bundleDir, 'index.js'))) {
    throw new Error(`${bundleDir} is not a function bundle (no index.mjs)`);
  }
  const { hex, base64, size } = await hashBundle(bundleDir);
  const rel = path.join('code', hex);
  const target = path.join(lambdaDir, rel);
  if (!existsSync(target)) {
    const tmp = `${target}.tmp-${process.pid}`;
    await rm(tmp, { recursive: true, force: true });
    await mkdir(path.dirname(target), { recursive: true });
    await cp(bundleDir, tmp, {
      recursive: true,
      mode: constants.COPYFILE_FICLONE,
      filter: (src) => !IGNORED.has(path.basename(src)),
    });
    await rename(tmp, target);
  }
  return { codeDir: rel, codeSha256: base64, codeSize: size };
}
