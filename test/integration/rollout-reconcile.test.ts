import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { localClients } from '../../local-cloud/clients.js';
import { DEFAULT_ACCOUNT_ID, DEFAULT_REGION } from '../../local-cloud/cloud.js';
import { RESTART_CAUSE } from '../../local-cloud/sfn/store.js';
import {
  type ChildCloud,
  type LocalCloudFixture,
  prebundle,
  spawnLocalCloud,
} from '../support/local-cloud.js';
import {
  executionFor,
  finished,
  lineage,
  live,
  sleep,
  upload,
  variant,
  weights,
} from '../support/rollout-helpers.js';

/**
 * A canary whose execution dies does not keep its weight: the local cloud is killed (SIGKILL) or
 * stopped (SIGTERM) while a canary bakes at 30 %, restarted on the same data directory, and the
 * execution's "Execution Status Change" event (FAILED, by the restart or the shutdown) reaches the
 * reconciler (statemachines/rollout-reconcile.ts → the traffic function), which removes the weight
 * and records why in the lineage.
 */
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** Just what the rollout helpers use of a fixture, for a cloud in a child process. */
function fixtureOf(child: ChildCloud): LocalCloudFixture {
  const clients = localClients(child.awsEndpoint, DEFAULT_REGION);
  cleanups.push(async () => {
    for (const c of Object.values(clients)) c.destroy();
  });
  return {
    clients,
    region: DEFAULT_REGION,
    accountId: DEFAULT_ACCOUNT_ID,
    apiEndpoint: child.apiEndpoint,
  } as unknown as LocalCloudFixture;
}

async function start(dataDir: string): Promise<{ child: ChildCloud; f: LocalCloudFixture }> {
  const child = await spawnLocalCloud({ dataDir }).catch(async (err: unknown) => {
    // The child's stderr keeps only its last lines; its whole log says which start-up call failed.
    const log = await readFile(path.join(dataDir, 'logs', 'local-cloud.log'), 'utf8').catch(() => '');
    throw new Error(`${String(err)}\n── local-cloud.log (tail) ──\n${log.split('\n').slice(-60).join('\n')}`);
  });
  cleanups.push(() => child.kill());
  return { child, f: fixtureOf(child) };
}

/**
 * Uploads a canary at 0.3 with a bake far longer than the test, and waits until the canary *holds*
 * that weight: the Shift step has recorded it in the lineage. Seeing 0.3 on GetAlias is not enough:
 * the local Lambda answers GetAlias from memory while UpdateAlias is still writing state.json, so a
 * SIGKILL in that window restarts on an alias that never had the weight — the execution then died
 * holding nothing and the reconciler rightly records `failed`, not `reconciled`. The Shift step
 * writes the lineage only after UpdateAlias answered (alias first, lineage second), and the
 * local Lambda answers only once the alias is on disk; so a lineage that lists 0.3 means the
 * weight survives the kill.
 */
async function canaryAt30(f: LocalCloudFixture, n: number) {
  const key = `reconcile-${n}.onnx`;
  const since = await upload(f, key, variant(n), { rollout: 'canary', weight: '0.3', interval: '3600' });
  const arn = await executionFor(f, key, since);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const shifted = (await lineageIfAny(f, arn))?.weights.find((w) => w.weight === 0.3 && w.candidate);
    if (shifted?.candidate) {
      const a = await live(f);
      expect(weights(a)).toEqual({ [shifted.candidate]: 0.3 });
      return { arn, candidate: shifted.candidate, primary: a.FunctionVersion };
    }
    if (Date.now() > deadline) {
      throw new Error(`no 30 % canary recorded for ${key}: live ${JSON.stringify(weights(await live(f)))}`);
    }
    await sleep(100);
  }
}

/** The lineage record, or undefined before the Plan step has written it. */
async function lineageIfAny(f: LocalCloudFixture, arn: string) {
  try {
    return await lineage(f, arn);
  } catch (err) {
    if (err instanceof Error && err.name === 'NoSuchKey') return undefined;
    throw err;
  }
}

async function weightGone(f: LocalCloudFixture, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const a = await live(f);
    if (Object.keys(weights(a)).length === 0) return a;
    if (Date.now() > deadline) throw new Error(`weight still on live: ${JSON.stringify(weights(a))}`);
    await sleep(100);
  }
}

async function reconciledLineage(f: LocalCloudFixture, arn: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const l = await lineage(f, arn);
    if (l.outcome.status !== 'in-progress') return l;
    if (Date.now() > deadline) throw new Error(`lineage of ${arn} still in progress`);
    await sleep(100);
  }
}

describe('a canary whose execution dies', () => {
  it('loses its weight after SIGKILL + restart, and after SIGTERM + restart; the lineage says why', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'hypermob-reconcile-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    await prebundle('all', undefined);

    // ── SIGKILL mid-canary ──
    let { child, f } = await start(dataDir);
    const killed = await canaryAt30(f, 1);
    await child.kill();
    ({ child, f } = await start(dataDir));
    const afterKill = await weightGone(f);
    expect(afterKill.FunctionVersion).toBe(killed.primary);
    expect((await finished(f, killed.arn, 1000)).status).toBe('FAILED');
    const l1 = await reconciledLineage(f, killed.arn);
    expect(l1.outcome).toMatchObject({ status: 'reconciled', error: 'States.Runtime', by: 'reconciler' });
    expect(l1.outcome.cause).toContain(RESTART_CAUSE);
    expect(l1.outcome.cause).toContain(`weight 0.3 on version ${killed.candidate}`);
    expect(l1.weights.at(-1)).toMatchObject({ candidate: killed.candidate, weight: 0 });

    // ── SIGTERM (a clean stop) mid-canary ──
    const stopped = await canaryAt30(f, 2);
    await new Promise<void>((resolve) => {
      child.child.once('exit', () => resolve());
      child.child.kill('SIGTERM');
    });
    ({ child, f } = await start(dataDir));
    const afterStop = await weightGone(f);
    expect(afterStop.FunctionVersion).toBe(stopped.primary);
    const l2 = await reconciledLineage(f, stopped.arn);
    expect(l2.outcome).toMatchObject({ status: 'reconciled', by: 'reconciler' });
    expect(l2.outcome.cause).toContain('local cloud stopped');
    await child.kill();
  }, 300_000);
});
