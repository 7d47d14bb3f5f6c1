import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createLambdaService } from '../../local-cloud/lambda/index.js';
import { StateStore } from '../../local-cloud/lambda/store.js';

const CHURN = fileURLToPath(new URL('../support/lambda/churn.ts', import.meta.url));
const TSX = createRequire(import.meta.url).resolve('tsx');

/** Starts the churn process, waits until it writes state continuously, kills it after `ms`. */
async function churnAndKill(dataDir: string, ms: number): Promise<void> {
  const child = spawn(process.execPath, ['--import', TSX, CHURN, dataDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`churn exited early with ${code}`)));
  });
  await new Promise((r) => setTimeout(r, ms));
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

describe('local Lambda state survives being killed mid-write', () => {
  let work: string | undefined;
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('always leaves a complete state.json that a restarted service serves', async () => {
    work = await mkdtemp(path.join(tmpdir(), 'hm-lambda-kill-'));
    const dataDir = path.join(work, 'data');
    for (const ms of [37, 120, 251]) {
      await churnAndKill(dataDir, ms);
      const state = await StateStore.load(path.join(dataDir, 'lambda', 'state.json'));
      const fn = state.functions.churn;
      expect(fn?.versions.map((v) => v.version)).toEqual(['1', '2']);
      expect(fn?.aliases.live?.functionVersion).toBe('1');

      const svc = await createLambdaService({
        dataDir,
        region: 'us-east-1',
        accountId: '000000000000',
        awsEndpoint: 'http://127.0.0.1:1',
      });
      try {
        const r = await svc.invoke('churn', '2', Buffer.from('{}'));
        expect(JSON.parse(r.payload.toString()).env.NN).toBe('1');
      } finally {
        await svc.close();
      }
    }
  });
});
