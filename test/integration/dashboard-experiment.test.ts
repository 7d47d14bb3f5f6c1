import { afterAll, beforeAll, describe, expect } from 'vitest';
import type { ArmReadout, Readout } from '../../functions/rollout/experiment/readout.js';
import { createDashboardHandler } from '../../operator/dashboard/handler.js';
import { serveDashboard } from '../../operator/dashboard/serve.js';
import type { Snapshot } from '../../operator/dashboard/snapshot.js';
import { itWithBrowser, launchBrowser } from '../support/browser.js';

/**
 * The page draws an A/B experiment's readout (the latest look the lineage records) with per-arm
 * charts. No cloud: the handler serves a fixed snapshot whose readout has the experiment code's
 * own type, so a change of its shape fails the typecheck here.
 */
const at = '2026-01-01T10:00:00.000Z';
const arm = (version: string, mae: number, p99: number): ArmReadout => ({
  version,
  sha256: version.repeat(64).slice(0, 64),
  started: at,
  requests: 400,
  error_rate: 0,
  latency_ms: { p50: 4, p99 },
  feedback: 120,
  normalised_error: { mean: mae / 10, sd: 0.2 },
  mae: {
    seat_position: { n: 120, mean: mae, ci95: [mae - 0.5, mae + 0.5] },
    mirror_tilt: { n: 120, mean: mae / 2, ci95: [mae / 2 - 0.2, mae / 2 + 0.2] },
  },
});
const readout: Readout = {
  window: { start: at, end: '2026-01-01T11:00:00.000Z' },
  margin: 0.02,
  min_feedback: 100,
  primary: arm('1', 4, 20),
  candidate: arm('2', 3, 22),
  verdict: 'candidate_better',
  needed_feedback: 0,
  difference: {
    estimate: -0.1,
    relative: -0.25,
    ci95: [-0.15, -0.05],
    p_value: 0.001,
    test: 'Welch',
    standard_error: 0.02,
    df: 230,
  },
  margin_abs: 0.008,
  decision_interval: { level: 0.99, lower: -0.16, upper: -0.04 },
  sequential: { method: 'Bonferroni', looks: 24, alpha: 0.05, per_look_alpha: 0.05 / 24 },
};

const snapshot: Snapshot = {
  generatedAt: '2026-01-01T11:00:00.000Z',
  target: {
    endpoint: 'http://127.0.0.1:4566',
    region: 'us-east-1',
    bucket: 'hypermob-models',
    functionName: 'hypermob-recommend',
    alias: 'live',
    stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:hypermob-model-rollout',
  },
  periodSeconds: 5,
  windowSeconds: 900,
  live: { primary: '1', candidate: { version: '2', weight: 0.5 } },
  versions: [],
  inFlight: null,
  rollouts: [
    {
      rollout: {
        execution: 'ab-1',
        kind: 'upload',
        startedAt: at,
        endedAt: null,
        status: 'held',
        modelKey: 'car_fit_model.onnx',
        sha256: null,
        strategy: 'ab',
        parameters: {},
        version: '2',
        command: null,
        reason: null,
        by: null,
        experiment: { at, look: 3, of: 24, decision: 'promote', reasons: ['candidate better'], readout },
      },
      plan: { strategy: 'ab', schedule: [0.5], intervalSeconds: 60, hold: true },
      weights: [{ at, primary: '1', candidate: '2', weight: 0.5, reason: 'shift' }],
      gates: [],
      validation: null,
    },
  ],
  metrics: null,
  problems: [],
};

let server: Awaited<ReturnType<typeof serveDashboard>>;
beforeAll(async () => {
  server = await serveDashboard(
    createDashboardHandler({ snapshot: async () => snapshot, refreshSeconds: 60 }),
    0,
  );
});
afterAll(async () => {
  await server?.close();
});

describe('dashboard: experiment readout', () => {
  itWithBrowser(
    'shows the verdict, the arms and per-arm charts',
    async () => {
      const browser = await launchBrowser();
      try {
        const page = await browser.context.newPage();
        const problems: string[] = [];
        page.on('console', (m) => {
          if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
        });
        page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
        await page.goto(server.url);
        const experiment = page.locator('.rollout[data-execution="ab-1"] .experiment');
        await experiment.locator('.arm-chart svg').first().waitFor();
        expect(await experiment.textContent()).toMatch(/look 3 of 24.*promote.*candidate_better/);
        expect(await experiment.locator('table.arms tr').count()).toBe(3);
        const charts = experiment.locator('.arm-chart');
        // normalised error + 2 targets, 2 arms each; p50 and p99, 2 arms each.
        expect(await charts.nth(0).getAttribute('data-points')).toBe('6');
        expect(await charts.nth(1).getAttribute('data-points')).toBe('4');
        expect(await charts.nth(0).locator('rect').count()).toBe(6);
        expect(problems).toEqual([]);
      } finally {
        await browser.close();
      }
    },
    60_000,
  );
});
