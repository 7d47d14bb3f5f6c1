import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/local-cloud.js';

/**
 * The CLI loads a command's code only when that command runs. A module hook (node:module
 * registerHooks, in the CLI's own process) records every module the run resolves — ESM and
 * require() alike — and writes the list to a file at exit.
 */
const run = promisify(execFile);
const HEAVY = /\/local-cloud\/|\/node_modules\/(esbuild|s3rver|aws-local-stepfunctions|@aws-sdk)\//;

const HOOK = `
import { registerHooks } from 'node:module';
import { writeFileSync } from 'node:fs';
const seen = new Set();
registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); seen.add(r.url); return r; } });
process.on('exit', () => writeFileSync(process.env.LOADED_MODULES_FILE, JSON.stringify([...seen])));
`;

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'hypermob-cli-lazy-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function loadedBy(args: string[]): Promise<string[]> {
  const file = path.join(work, `${args.join('_').replace(/\W/g, '_')}.json`);
  await run(
    process.execPath,
    [
      '--import',
      'tsx',
      '--import',
      `data:text/javascript,${encodeURIComponent(HOOK)}`,
      path.join(REPO_ROOT, 'scripts/cli.ts'),
      ...args,
    ],
    { cwd: REPO_ROOT, env: { ...process.env, LOADED_MODULES_FILE: file } },
  );
  return JSON.parse(await readFile(file, 'utf8')) as string[];
}

describe('hypermob loads commands lazily', () => {
  it('--help lists every command without loading the local cloud, esbuild, s3rver or the AWS SDK', async () => {
    const loaded = await loadedBy(['--help']);
    expect(loaded.some((u) => u.endsWith('/scripts/commands/local.ts'))).toBe(true);
    expect(loaded.filter((u) => HEAVY.test(u))).toEqual([]);
  });

  it('a subcommand help loads no more', async () => {
    expect((await loadedBy(['local', '--help'])).filter((u) => HEAVY.test(u))).toEqual([]);
  });

  it('train loads the trainer, and still not the local cloud', async () => {
    const loaded = await loadedBy(['train', '--out', path.join(work, 'm.onnx')]);
    expect(loaded.some((u) => u.endsWith('/functions/shared/model/trainer.ts'))).toBe(true);
    expect(loaded.filter((u) => HEAVY.test(u))).toEqual([]);
  });
});
