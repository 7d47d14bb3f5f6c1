import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const PARENT = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '../support/validate/orphan-parent.ts',
);
const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/State:\s+Z/.test(readStatus(pid));
function readStatus(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return 'State: Z';
  }
}

describe('inference child process', () => {
  it.skipIf(process.platform !== 'linux')(
    'a run that never ends does not outlive its parent (the parent killed with SIGKILL)',
    async () => {
      const parent = spawn(process.execPath, ['--import', 'tsx', PARENT], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const pid = await new Promise<number>((resolve, reject) => {
        createInterface({ input: parent.stdout as NodeJS.ReadableStream }).on('line', (l) => {
          const m = /^child (\d+)$/.exec(l);
          if (m) resolve(Number(m[1]));
        });
        parent.once('exit', (code) => reject(new Error(`parent exited ${code}`)));
      });
      expect(alive(pid)).toBe(true);
      parent.kill('SIGKILL');
      const deadline = Date.now() + 10_000;
      while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(alive(pid)).toBe(false);
    },
    60_000,
  );
});
