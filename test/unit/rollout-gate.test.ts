import { describe, expect, it } from 'vitest';
import {
  type AppStats,
  decideGate,
  type GateThresholds,
  outcomes,
  type VersionStats,
} from '../../functions/rollout/traffic/gate.js';

const t: GateThresholds = {
  minSamples: 20,
  maxExtensions: 2,
  onInsufficient: 'rollback',
  maxErrorRate: 0.02,
  maxErrorRateDelta: 0.01,
  maxP99Ms: 1000,
  maxP99Ratio: 1.5,
  p99SlackMs: 10,
};
const stats = (version: string, invocations: number, errors: number, p99Ms: number | null): VersionStats => ({
  version,
  invocations,
  errors,
  p99Ms,
});
const healthyPrimary = stats('1', 500, 0, 40);

describe('health gate', () => {
  it('passes a healthy candidate with enough samples', () => {
    const r = decideGate({
      candidate: stats('2', 50, 0, 45),
      primary: healthyPrimary,
      extensions: 0,
      thresholds: t,
    });
    expect(r.decision).toBe('pass');
    expect(r.candidateErrorRate).toBe(0);
  });

  it('extends the bake while samples are short, bounded by maxExtensions', () => {
    const short = stats('2', 5, 0, 30);
    expect(
      decideGate({ candidate: short, primary: healthyPrimary, extensions: 0, thresholds: t }).decision,
    ).toBe('extend');
    expect(
      decideGate({ candidate: short, primary: healthyPrimary, extensions: 1, thresholds: t }).decision,
    ).toBe('extend');
    const final = decideGate({ candidate: short, primary: healthyPrimary, extensions: 2, thresholds: t });
    expect(final.decision).toBe('rollback');
    expect(final.reasons[0]).toMatch(/not enough evidence/);
  });

  it('never passes without traffic by default, but can be configured to', () => {
    const none = stats('2', 0, 0, null);
    expect(
      decideGate({ candidate: none, primary: healthyPrimary, extensions: 2, thresholds: t }).decision,
    ).toBe('rollback');
    const lenient = { ...t, onInsufficient: 'pass' as const };
    expect(
      decideGate({ candidate: none, primary: healthyPrimary, extensions: 2, thresholds: lenient }).decision,
    ).toBe('pass');
  });

  it('rolls back on a certain breach even before the minimum sample count', () => {
    // 20 samples × 2 % allows 0.4 errors: one error out of 3 calls can never come back under it.
    const r = decideGate({
      candidate: stats('2', 3, 1, 30),
      primary: healthyPrimary,
      extensions: 0,
      thresholds: t,
    });
    expect(r.decision).toBe('rollback');
    expect(r.reasons[0]).toMatch(/error budget/);
  });

  it('rolls back on an absolute error-rate breach', () => {
    const r = decideGate({
      candidate: stats('2', 100, 3, 30),
      primary: healthyPrimary,
      extensions: 0,
      thresholds: t,
    });
    expect(r.decision).toBe('rollback');
    expect(r.candidateErrorRate).toBeCloseTo(0.03);
  });

  it('judges the candidate relative to the primary, not to the alias total', () => {
    // 1.5 % is under the absolute 2 % but more than the primary's 0 % + 1 %.
    const r = decideGate({
      candidate: stats('2', 200, 3, 30),
      primary: stats('1', 1000, 0, 30),
      extensions: 0,
      thresholds: t,
    });
    expect(r.decision).toBe('rollback');
    expect(r.reasons.join()).toMatch(/primary/);
    // The same candidate passes when the primary is equally noisy: old errors never block a fix.
    const noisy = decideGate({
      candidate: stats('2', 200, 3, 30),
      primary: stats('1', 1000, 15, 30),
      extensions: 0,
      thresholds: t,
    });
    expect(noisy.decision).toBe('pass');
  });

  it('ignores the relative checks when the primary has too few samples', () => {
    const r = decideGate({
      candidate: stats('2', 100, 1, 90),
      primary: stats('1', 3, 0, 10),
      extensions: 0,
      thresholds: t,
    });
    expect(r.decision).toBe('pass');
  });

  it('rolls back on p99 above the absolute limit or the primary-relative limit', () => {
    const abs = decideGate({
      candidate: stats('2', 100, 0, 1500),
      primary: healthyPrimary,
      extensions: 0,
      thresholds: t,
    });
    expect(abs.decision).toBe('rollback');
    expect(abs.reasons[0]).toMatch(/maximum 1000 ms/);
    // 40 × 1.5 + 10 = 70 ms
    const rel = decideGate({
      candidate: stats('2', 100, 0, 71),
      primary: healthyPrimary,
      extensions: 0,
      thresholds: t,
    });
    expect(rel.decision).toBe('rollback');
    const ok = decideGate({
      candidate: stats('2', 100, 0, 70),
      primary: healthyPrimary,
      extensions: 0,
      thresholds: t,
    });
    expect(ok.decision).toBe('pass');
  });

  it('reports every breach at once', () => {
    const r = decideGate({
      candidate: stats('2', 100, 5, 5000),
      primary: healthyPrimary,
      extensions: 0,
      thresholds: t,
    });
    expect(r.decision).toBe('rollback');
    expect(r.reasons).toHaveLength(2);
  });

  describe('with the function’s own metrics (handled failures)', () => {
    const withApp = (s: VersionStats, app: AppStats): VersionStats => ({ ...s, app });

    it('counts handled errors and degraded answers as failures; calls are the larger count', () => {
      expect(outcomes(withApp(stats('2', 100, 1, 30), { requests: 99, errors: 2, degraded: 3 }))).toEqual({
        calls: 100,
        failures: 6,
      });
      // EMF may be ahead of Lambda's count at a window edge; failures never exceed calls.
      expect(outcomes(withApp(stats('2', 4, 0, 30), { requests: 5, errors: 5, degraded: 5 }))).toEqual({
        calls: 5,
        failures: 5,
      });
      expect(outcomes(stats('2', 10, 1, 30))).toEqual({ calls: 10, failures: 1 });
      expect(outcomes({ ...stats('2', 10, 1, 30), app: null })).toEqual({ calls: 10, failures: 1 });
    });

    it('rolls back a candidate whose failures Lambda never saw, naming them', () => {
      // 100 successful invocations for Lambda, but 10 answered 500 inference_failed.
      const r = decideGate({
        candidate: withApp(stats('2', 100, 0, 30), { requests: 100, errors: 10, degraded: 0 }),
        primary: withApp(healthyPrimary, { requests: 500, errors: 0, degraded: 0 }),
        extensions: 0,
        thresholds: t,
      });
      expect(r.decision).toBe('rollback');
      expect(r.candidateErrorRate).toBeCloseTo(0.1);
      expect(r.reasons[0]).toMatch(
        /10 failures \(0 Lambda errors, 10 handled errors, 0 degraded responses\)/,
      );
      // The same Lambda numbers alone pass: the gate used to be blind to this.
      expect(
        decideGate({
          candidate: stats('2', 100, 0, 30),
          primary: healthyPrimary,
          extensions: 0,
          thresholds: t,
        }).decision,
      ).toBe('pass');
    });

    it('rolls back on degraded answers, and on a certain breach before the minimum samples', () => {
      const degraded = decideGate({
        candidate: withApp(stats('2', 50, 0, 30), { requests: 50, errors: 0, degraded: 50 }),
        primary: healthyPrimary,
        extensions: 0,
        thresholds: t,
      });
      expect(degraded.decision).toBe('rollback');
      expect(degraded.reasons[0]).toMatch(/50 degraded responses/);
      const early = decideGate({
        candidate: withApp(stats('2', 3, 0, 30), { requests: 3, errors: 1, degraded: 0 }),
        primary: healthyPrimary,
        extensions: 0,
        thresholds: t,
      });
      expect(early.decision).toBe('rollback');
      expect(early.reasons[0]).toMatch(/error budget/);
    });

    it('compares with the primary’s failures counted the same way', () => {
      const candidate = withApp(stats('2', 200, 0, 30), { requests: 200, errors: 3, degraded: 0 });
      const quietPrimary = withApp(stats('1', 1000, 0, 30), { requests: 1000, errors: 0, degraded: 0 });
      const noisyPrimary = withApp(stats('1', 1000, 0, 30), { requests: 1000, errors: 15, degraded: 0 });
      const judge = (primary: VersionStats) =>
        decideGate({ candidate, primary, extensions: 0, thresholds: t }).decision;
      expect(judge(quietPrimary)).toBe('rollback');
      expect(judge(noisyPrimary)).toBe('pass');
    });

    it('keeps the minimum-sample rule on the combined call count', () => {
      const short = decideGate({
        candidate: withApp(stats('2', 5, 0, 30), { requests: 5, errors: 0, degraded: 0 }),
        primary: healthyPrimary,
        extensions: 0,
        thresholds: t,
      });
      expect(short.decision).toBe('extend');
      const enough = decideGate({
        candidate: withApp(stats('2', 19, 0, 30), { requests: 20, errors: 0, degraded: 0 }),
        primary: healthyPrimary,
        extensions: 0,
        thresholds: t,
      });
      expect(enough.decision).toBe('pass');
      expect(enough.reasons[0]).toMatch(/20 calls, 0 failures/);
    });
  });
});
