import { describe, expect, it } from 'vitest';
import { experimentOf } from '../../functions/rollout/experiment/locate.js';
import type { LineageRecord } from '../../functions/rollout/shared/lineage.js';
import { simulateOptionsSchema } from '../../scripts/commands/simulate.js';

/** The pure parts of `hypermob experiment report` and `hypermob simulate`. */

const record = (over: Partial<LineageRecord>): LineageRecord => ({
  schemaVersion: 1,
  execution: 'exec-1',
  kind: 'upload',
  startedAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:10:00.000Z',
  weights: [
    { at: '2026-01-01T00:01:00.000Z', primary: '3', candidate: '4', weight: 0.5, reason: 'step 1 of 1' },
    { at: '2026-01-01T00:09:00.000Z', primary: '3', weight: 0, reason: 'rollback' },
  ],
  gates: [],
  outcome: { status: 'rolled-back', at: '2026-01-01T00:09:00.000Z', error: 'ExperimentAborted' },
  plan: {
    strategy: 'ab',
    parameters: { weight: 0.5, decide: 'auto', margin: 0.02 },
    schedule: [0.5],
    intervalSeconds: 0,
    hold: true,
    experiment: {
      margin: 0.03,
      intervalSeconds: 60,
      deadlineSeconds: 600,
      looks: 10,
      minFeedback: 100,
      alpha: 0.05,
    },
  },
  ...over,
});

describe('which experiment a readout covers (lineage)', () => {
  it('an automatic experiment: arms from its weight change, window to its outcome, the plan’s rule', () => {
    expect(experimentOf(record({}))).toEqual({
      execution: 'exec-1',
      primary: '3',
      candidate: '4',
      weight: 0.5,
      started: new Date('2026-01-01T00:01:00.000Z'),
      ended: new Date('2026-01-01T00:09:00.000Z'),
      status: 'rolled-back (ExperimentAborted)',
      decide: 'auto',
      rule: { margin: 0.03, minFeedback: 100, alpha: 0.05, looks: 10 },
    });
  });

  it('a manual A/B still held: no end, one fixed-sample test with its parameters', () => {
    const held = experimentOf(
      record({
        outcome: { status: 'held', at: '2026-01-01T00:01:00.000Z' },
        plan: {
          strategy: 'ab',
          parameters: { weight: 0.5, margin: 0.05 },
          schedule: [0.5],
          intervalSeconds: 0,
          hold: true,
        },
      }),
    );
    expect(held).toMatchObject({
      decide: 'manual',
      status: 'held',
      rule: { margin: 0.05, minFeedback: 100, looks: 1 },
    });
    expect(held?.ended).toBeUndefined();
  });

  it('a canary is no experiment', () => {
    expect(
      experimentOf(
        record({
          plan: { strategy: 'canary', parameters: {}, schedule: [0.1], intervalSeconds: 60, hold: false },
        }),
      ),
    ).toBeUndefined();
  });
});

describe('simulate options', () => {
  it('defaults to the local API on loopback', () => {
    expect(simulateOptionsSchema.parse({ drivers: '10' })).toMatchObject({
      drivers: 10,
      feedbackDelay: 0,
      concurrency: 4,
      api: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
    });
  });

  it('refuses anything but loopback, and unbounded runs', () => {
    expect(() => simulateOptionsSchema.parse({ drivers: 10, api: 'https://api.example.com' })).toThrow(
      /only talks to a local API/,
    );
    expect(simulateOptionsSchema.parse({ drivers: 10, api: 'http://localhost:3000' }).api).toBe(
      'http://localhost:3000',
    );
    expect(() => simulateOptionsSchema.parse({ drivers: 1_000_000 })).toThrow();
    expect(() => simulateOptionsSchema.parse({ drivers: 10, concurrency: 1000 })).toThrow();
  });
});
