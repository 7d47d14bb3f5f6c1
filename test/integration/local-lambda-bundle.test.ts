import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleEntry } from '../../scripts/bundle.js';

const run = promisify(execFile);

describe('bundleEntry', () => {
  let work: string;
  let entry: string;
  let dir: string;

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'hm-bundle-'));
    entry = path.join(work, 'handler.ts');
    dir = path.join(work, 'out', 'fn');
    // A CJS dependency that needs require() and __dirname, as many npm packages do.
    await writeFile(
      path.join(work, 'legacy.cjs'),
      "const p = require('node:path'); module.exports = { where: () => p.basename(__dirname) };",
    );
    await writeFile(path.join(work, 'asset.json'), '{"ok":true}');
    await writeFile(
      entry,
      [
        "import * as ort from 'onnxruntime-node';",
        "import legacy from './legacy.cjs';",
        "import { readFileSync } from 'node:fs';",
        'export const handler = async () => ({',
        '  ort: typeof ort.InferenceSession.create, where: legacy.where(),',
        "  asset: JSON.parse(readFileSync(new URL('./asset.json', import.meta.url), 'utf8')),",
        '});',
      ].join('\n'),
    );
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('bundles ESM with onnxruntime-node for one architecture and runs in Node 22', async () => {
    const opts = {
      entry,
      dir,
      arch: 'x64' as const,
      onnxruntime: true,
      assets: [path.join(work, 'asset.json')],
    };
    expect(await bundleEntry(opts)).toBe(true);
    expect(
      await readdir(path.join(dir, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6', 'linux')),
    ).toEqual(['x64']);
    expect((await stat(path.join(dir, 'index.mjs.map'))).size).toBeGreaterThan(0);

    const script = `import(${JSON.stringify(path.join(dir, 'index.mjs'))}).then(async (m) => console.log(JSON.stringify(await m.handler())))`;
    const { stdout } = await run(process.execPath, ['-e', script], { cwd: work });
    expect(JSON.parse(stdout)).toEqual({ ort: 'function', where: 'fn', asset: { ok: true } });

    // Unchanged inputs: kept; a changed import: rebuilt.
    expect(await bundleEntry(opts)).toBe(false);
    await writeFile(path.join(work, 'legacy.cjs'), 'module.exports = { where: () => "changed" };');
    expect(await bundleEntry(opts)).toBe(true);
  });

  it('splits import() targets into chunks beside index.mjs and loads builtins through require', async () => {
    const lazyEntry = path.join(work, 'lazy-handler.ts');
    await writeFile(
      path.join(work, 'lazy.ts'),
      [
        "import { Agent } from 'node:http';",
        "import { readFileSync } from 'node:fs';",
        "export const MARKER = 'only-in-the-lazy-chunk';",
        'export const agent = typeof Agent;',
        "export const asset = () => JSON.parse(readFileSync(new URL('./asset.json', import.meta.url), 'utf8'));",
      ].join('\n'),
    );
    await writeFile(
      lazyEntry,
      [
        'export const handler = async () => {',
        "  const lazy = await import('./lazy.js');",
        "  const http = await import('node:http');",
        '  return { marker: lazy.MARKER, agent: lazy.agent, asset: lazy.asset(), request: typeof http.request };',
        '};',
      ].join('\n'),
    );
    const lazyDir = path.join(work, 'out', 'lazy');
    await bundleEntry({
      entry: lazyEntry,
      dir: lazyDir,
      arch: 'x64',
      onnxruntime: false,
      assets: [path.join(work, 'asset.json')],
    });
    const index = await readFile(path.join(lazyDir, 'index.mjs'), 'utf8');
    expect(index).not.toContain('only-in-the-lazy-chunk');
    expect(index).not.toMatch(/from\s*"(node:)?http"|import\("(node:)?http"\)/);
    const chunks = (await readdir(lazyDir)).filter((f) => f.endsWith('.mjs') && f !== 'index.mjs');
    expect(chunks.length).toBeGreaterThan(0);

    const script = `import(${JSON.stringify(path.join(lazyDir, 'index.mjs'))}).then(async (m) => console.log(JSON.stringify(await m.handler())))`;
    const { stdout } = await run(process.execPath, ['-e', script], { cwd: work });
    expect(JSON.parse(stdout)).toEqual({
      marker: 'only-in-the-lazy-chunk',
      agent: 'function',
      asset: { ok: true },
      request: 'function',
    });
  });

  it('ships only the arm64 binaries for the deployed architecture', async () => {
    const armDir = path.join(work, 'out', 'arm');
    await bundleEntry({ entry, dir: armDir, arch: 'arm64', onnxruntime: true });
    const bin = path.join(armDir, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6');
    expect(await readdir(bin)).toEqual(['linux']);
    expect(await readdir(path.join(bin, 'linux'))).toEqual(['arm64']);
  });
});
