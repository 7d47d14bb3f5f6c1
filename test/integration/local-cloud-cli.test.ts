import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { prebundle, REPO_ROOT } from '../support/local-cloud.js';

/**
 * `hypermob local` as a person runs it: options from the environment, the banner, one line per
 * rollout outcome and no function lines on the terminal (those are in <data-dir>/logs/), SIGTERM.
 */
let dataDir: string;
afterAll(async () => {
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('hypermob local', () => {
  it('starts from HYPERMOB_* variables, prints where things are, serves, and stops cleanly on SIGTERM', async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'hypermob-cli-'));
    // Build under the fixture's lock, so the command's own bundle step finds everything unchanged.
    await prebundle('all', undefined);
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(REPO_ROOT, 'scripts/cli.ts'), 'local'],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, HYPERMOB_AWS_PORT: '0', HYPERMOB_API_PORT: '0', HYPERMOB_DATA_DIR: dataDir },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const lines: string[] = [];
    const up = new Promise<void>((resolve, reject) => {
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (l) => {
        lines.push(l);
        if (l.startsWith('Ctrl-C')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${lines.slice(-20).join('\n')}`)));
    });
    try {
      await up;
      const text = lines.join('\n');
      expect(text).toMatch(/hypermob local cloud is up/);
      const aws = /AWS endpoint \(S3, Lambda, Step Functions\): (http:\/\/127\.0\.0\.1:\d+)/.exec(text)?.[1];
      const api = /HTTP API: +(http:\/\/127\.0\.0\.1:\d+)/.exec(text)?.[1];
      expect(aws).toBeDefined();
      expect(text).toContain(`AWS_ENDPOINT_URL=${aws}`);
      const health = await fetch(`${api}/health`);
      expect(health.status).toBe(200);
      expect(existsSync(path.join(dataDir, 's3', 'hypermob-models'))).toBe(true);

      // The first start rolls the default model out through the pipeline: one outcome line, quietly.
      // The line comes from the execution's end event, which may reach the terminal just after the
      // banner: wait for it.
      const outcome = /rollout \S+ car_fit_model\.onnx: live on version 1 \(all-at-once\)/;
      for (const deadline = Date.now() + 30_000; !outcome.test(lines.join('\n')) && Date.now() < deadline; )
        await new Promise((r) => setTimeout(r, 100));
      const terminal = lines.join('\n');
      expect(terminal).toMatch(outcome);
      expect(terminal).not.toMatch(/\b(START|END|REPORT) RequestId/);
      expect(terminal).not.toMatch(/bundle: /);

      const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exit).toBe(0);
      await expect(fetch(`${api}/health`)).rejects.toThrow();

      // Everything the terminal left out is in the log files (flushed on stop).
      const logs = path.join(dataDir, 'logs');
      const files = await readdir(logs);
      expect(files).toContain('local-cloud.log');
      const functionLogs = await Promise.all(
        files.filter((f) => f !== 'local-cloud.log').map((f) => readFile(path.join(logs, f), 'utf8')),
      );
      expect(functionLogs.join('')).toMatch(/REPORT RequestId/);
      expect(await readFile(path.join(logs, 'local-cloud.log'), 'utf8')).toMatch(/bundle: /);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
