import { open, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Arch, bundleFunctions, REPO_ROOT } from '../../scripts/bundle.js';
import { FUNCTIONS } from '../../system/manifest.js';

/**
 * What `cdk deploy` uploads for hypermob-recommend: the arm64 bundle (same builder as the local
 * cloud's) must fit the 50 MB budget — the whole npm package would not fit Lambda's 250 MB — and
 * carry an onnxruntime binary for the function's architecture, or the first request fails with
 * "invalid ELF header" on AWS only. No synthesis here: the asset is the bundle directory.
 */
const BUDGET_BYTES = 50 * 1024 * 1024;
/** ELF e_machine values. */
const EM_X86_64 = 62;
const EM_AARCH64 = 183;

const outDir = (arch: Arch) => path.join(REPO_ROOT, 'dist', 'test-cdk', `assets-${arch}`);
const dirs: Partial<Record<Arch, string>> = {};

beforeAll(async () => {
  for (const arch of ['arm64', 'x64'] as const) {
    const built = await bundleFunctions({ arch, outDir: outDir(arch), only: ['recommend'] });
    dirs[arch] = built[FUNCTIONS.recommend.name];
  }
}, 300_000);

afterAll(async () => {
  // Keep arm64 (an unchanged rebuild is skipped next time); x64 exists only for this comparison.
  await rm(outDir('x64'), { recursive: true, force: true });
});

/** Bytes CDK zips: everything but the inputs record the asset excludes. */
async function assetBytes(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name !== '.inputs.json') total += (await stat(path.join(e.parentPath, e.name))).size;
  }
  return total;
}

async function nativeFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && (e.name.endsWith('.node') || /\.so(\.\d+)*$/.test(e.name)))
      found.push(path.join(e.parentPath, e.name));
  }
  return found;
}

/** e_machine of an ELF64 little-endian file; throws for anything else. */
async function elfMachine(file: string): Promise<number> {
  const fh = await open(file, 'r');
  try {
    const { buffer } = await fh.read({ buffer: Buffer.alloc(20), position: 0 });
    if (buffer.readUInt32BE(0) !== 0x7f454c46) throw new Error(`${file} is not ELF`);
    if (buffer[4] !== 2 || buffer[5] !== 1) throw new Error(`${file} is not ELF64 little-endian`);
    return buffer.readUInt16LE(18);
  } finally {
    await fh.close();
  }
}

describe('recommend asset', () => {
  it('is at most 50 MB unzipped and holds index.mjs', async () => {
    const dir = dirs.arm64 as string;
    const bytes = await assetBytes(dir);
    console.log(`recommend arm64 asset ${(bytes / 1024 / 1024).toFixed(1)} MB unzipped`);
    expect(bytes).toBeLessThanOrEqual(BUDGET_BYTES);
    expect((await stat(path.join(dir, 'index.mjs'))).size).toBeGreaterThan(0);
  });

  it.each([
    ['arm64', EM_AARCH64],
    ['x64', EM_X86_64],
  ] as const)('ships onnxruntime for linux/%s only (ELF e_machine %i)', async (arch, machine) => {
    const dir = dirs[arch] as string;
    const natives = await nativeFiles(dir);
    expect(natives.map((f) => path.basename(f)).sort()).toEqual([
      'libonnxruntime.so.1',
      'onnxruntime_binding.node',
    ]);
    for (const f of natives) {
      expect(path.relative(dir, f)).toContain(path.join('linux', arch));
      expect(await elfMachine(f), f).toBe(machine);
    }
  });
});
