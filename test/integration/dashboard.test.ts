import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../operator/dashboard/snapshot.js';
import { itWithBrowser, launchBrowser } from '../support/browser.js';
import { type LocalCloudFixture, REPO_ROOT, startLocalCloudFixture } from '../support/local-cloud.js';
import { live, load, recommend, uploadAndFinish, variant } from '../support/rollout-helpers.js';

/**
 * The dashboard on a real local cloud: its JSON and its rules (GET only, this machine only), the
 * page in headless Chromium before and after a rollout, and `hypermob dashboard` against the same
 * endpoint. HYPERMOB_DASHBOARD_SCREENSHOT=<file.png> keeps a screenshot (docs/dashboard.png).
 */
let f: LocalCloudFixture;

beforeAll(async () => {
  f = await startLocalCloudFixture();
  for (let i = 0; i < 20; i++) expect((await recommend(f)).status).toBe(200);
}, 300_000);

afterAll(async () => {
  await f?.stop();
});

async function data(base: string): Promise<Snapshot> {
  const res = await fetch(`${base}/dashboard/data.json`);
  expect(res.status).toBe(200);
  return (await res.json()) as Snapshot;
}

function rawGet(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
      .on('error', reject);
  });
}

describe('dashboard on the local cloud', () => {
  it('answers the alias, versions, rollouts and metrics as JSON; GET only, loopback names only', async () => {
    const snap = await data(f.apiEndpoint);
    const alias = await live(f);
    expect(snap.live?.primary).toBe(alias.FunctionVersion);
    const version = snap.versions.find((v) => v.version === alias.FunctionVersion);
    expect(version?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(Object.keys(version?.training ?? {}).length).toBeGreaterThan(0);
    const first = snap.rollouts.find((r) => r.rollout.version === alias.FunctionVersion);
    expect(first?.rollout.status).toBe('completed');
    expect(first?.weights.length).toBeGreaterThan(0);
    expect(first?.validation?.passed).toBe(true);
    expect(snap.problems).toEqual([]);
    const served = snap.metrics?.versions.find((v) => v.version === alias.FunctionVersion);
    expect(served?.invocations.reduce((a: number, n) => a + (n ?? 0), 0)).toBeGreaterThanOrEqual(20);

    const post = await fetch(`${f.apiEndpoint}/dashboard/data.json`, { method: 'POST', body: '{}' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect(await rawGet(`${f.apiEndpoint}/dashboard`, { host: 'attacker.example' })).toBe(403);
    const uplot = await fetch(`${f.apiEndpoint}/dashboard/vendor/uPlot.esm.js`);
    expect(uplot.headers.get('content-type')).toMatch(/javascript/);
    expect(await uplot.text()).toMatch(/export \{ uPlot as default \}/);
    expect((await fetch(`${f.apiEndpoint}/dashboard/../package.json`)).status).not.toBe(200);
  });

  itWithBrowser(
    'the page shows the live version and charts, and follows a rollout by itself',
    async () => {
      const browser = await launchBrowser();
      try {
        const page = await browser.context.newPage();
        const problems: string[] = [];
        page.on('console', (m) => {
          if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
        });
        page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
        page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));

        const before = (await live(f)).FunctionVersion ?? '';
        await page.goto(`${f.apiEndpoint}/dashboard`);
        await page.locator(`#live-primary[data-version="${before}"]`).waitFor();
        const requests = page.locator('#chart-requests');
        await requests.locator('canvas').waitFor();
        expect(Number(await requests.getAttribute('data-points'))).toBeGreaterThan(0);
        // The status badge's title carries the last poll's error, if any.
        const status = page.locator('#status');
        await expect
          .poll(async () => `${await status.textContent()} ${await status.getAttribute('title')}`)
          .toBe('live ');

        // Steady traffic across the rollout, so both versions have lines on the charts.
        const traffic = load(f, 1);
        const done = await uploadAndFinish(f, 'car_fit_model.onnx', variant(1), { rollout: 'all-at-once' });
        expect(done.status).toBe('SUCCEEDED');
        const after = (await live(f)).FunctionVersion ?? '';
        expect(after).not.toBe(before);
        await new Promise((r) => setTimeout(r, 6000));
        await traffic.stop();

        // No reload: the page polls and redraws.
        await page.locator(`#live-primary[data-version="${after}"]`).waitFor({ timeout: 20_000 });
        const execution = done.executionArn?.split(':').at(-1) ?? '';
        const card = page.locator(`.rollout[data-execution="${execution}"]`);
        await card.locator('.weights-chart canvas').waitFor();
        expect(Number(await card.locator('.weights-chart').getAttribute('data-points'))).toBeGreaterThan(1);
        await expect.poll(() => card.locator('table.checks tr').count()).toBeGreaterThan(3);
        await page.locator(`#versions-table tr[data-version="${after}"]`).waitFor();

        const shot = process.env.HYPERMOB_DASHBOARD_SCREENSHOT;
        if (shot) await page.screenshot({ path: path.resolve(REPO_ROOT, shot), fullPage: true });
        expect(problems).toEqual([]);
      } finally {
        await browser.close();
      }
    },
    180_000,
  );

  it('`hypermob dashboard` serves the same page over an endpoint, on 127.0.0.1', async () => {
    let child: ChildProcess | undefined;
    try {
      child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          path.join(REPO_ROOT, 'scripts/cli.ts'),
          'dashboard',
          '--port',
          '0',
          '--endpoint-url',
          f.awsEndpoint,
          '--region',
          f.region,
        ],
        { cwd: REPO_ROOT, env: f.env, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const stderr: string[] = [];
      createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (l) => stderr.push(l));
      const url = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child?.stdout as NodeJS.ReadableStream }).on('line', (l) => {
          const m = /^dashboard: (http:\/\/127\.0\.0\.1:\d+\/dashboard)$/.exec(l);
          if (m?.[1]) resolve(m[1]);
        });
        child?.once('exit', (code) => reject(new Error(`exited ${code}: ${stderr.join('\n')}`)));
      });
      const base = url.replace(/\/dashboard$/, '');
      const snap = await data(base);
      expect(snap.live?.primary).toBe((await live(f)).FunctionVersion);
      expect(snap.target.endpoint).toBe(f.awsEndpoint);
      expect(snap.problems).toEqual([]);
      const page = await fetch(url);
      expect(await page.text()).toMatch(/<script type="module" src="\/dashboard\/app.js">/);
    } finally {
      child?.kill('SIGTERM');
    }
  }, 60_000);
});
