import { describe, expect, it } from 'vitest';
import { decideLook } from '../../functions/rollout/experiment/look-decision.js';
import { judge } from '../../functions/rollout/experiment/verdict.js';
import { parseTrafficConfig } from '../../functions/rollout/traffic/config.js';
import { assertFitsExecution, worstCaseSeconds } from '../../functions/rollout/traffic/duration.js';
import type { GateResult } from '../../functions/rollout/traffic/gate.js';
import { parseRolloutMetadata } from '../../functions/rollout/traffic/metadata.js';
import { ROLLOUT_EXECUTION_TIMEOUT_SECONDS } from '../../system/manifest.js';

/** The AWS defaults: interval 300 s (max 3600), 180 s metric delay. */
const aws = parseTrafficConfig({});
const plan = (metadata: Record<string, string>) => parseRolloutMetadata(metadata, aws.defaults);

describe('ab: decide=manual or decide=auto', () => {
  it('manual (the default) plans today’s held weight, with no experiment block', () => {
    const p = plan({ rollout: 'ab', weight: '0.5' });
    expect(p).toMatchObject({ schedule: [0.5], intervalSeconds: 0, hold: true });
    expect(p.experiment).toBeUndefined();
    expect(p.parameters).toMatchObject({ decide: 'manual', margin: 0.02 });
  });

  it('auto plans the experiment: K = ceil(deadline / interval), defaults for the rest', () => {
    const p = plan({ rollout: 'ab', decide: 'AUTO', interval: '600', deadline: '7000' });
    expect(p.experiment).toEqual({
      margin: 0.02,
      intervalSeconds: 600,
      deadlineSeconds: 7000,
      looks: 12,
      minFeedback: 100,
      alpha: 0.05,
    });
    // Without a deadline: 24 looks at the (default) interval.
    expect(plan({ rollout: 'ab', decide: 'auto' }).experiment).toMatchObject({
      intervalSeconds: 300,
      deadlineSeconds: 7200,
      looks: 24,
    });
    expect(
      plan({ rollout: 'ab', decide: 'auto', margin: '0.05', min_feedback: '30' }).experiment,
    ).toMatchObject({
      margin: 0.05,
      minFeedback: 30,
    });
  });

  it.each([
    [{ decide: 'sometimes' }, /decide: decide must be manual or auto/],
    [{ decide: 'auto', interval: '0' }, /interval: decide=auto needs interval ≥ 1 s/],
    [
      { decide: 'auto', interval: '60', deadline: '30' },
      /deadline: deadline 30 s is shorter than one interval/,
    ],
    [{ decide: 'auto', interval: '10', deadline: '3600' }, /makes 360 looks; at most 100/],
    [{ decide: 'auto', margin: '2' }, /margin: margin must be < 1/],
    [{ decide: 'auto', min_feedback: '1' }, /min_feedback must be ≥ 2/],
    [{ decide: 'auto', deadline: '1.5' }, /deadline must be whole seconds/],
  ])('refuses %j', (metadata, message) => {
    expect(() => plan({ rollout: 'ab', ...metadata })).toThrow(
      expect.objectContaining({ name: 'BadRolloutRequest', message: expect.stringMatching(message) }),
    );
  });

  it('the experiment’s looks count towards the 24 h an execution may run', () => {
    const day = plan({ rollout: 'ab', decide: 'auto', interval: '3600', deadline: '86400' });
    expect(worstCaseSeconds(day, aws)).toBeGreaterThan(ROLLOUT_EXECUTION_TIMEOUT_SECONDS);
    expect(() => assertFitsExecution(day, aws)).toThrow(/this experiment \(up to 24 looks every 3600 s/);
    const shorter = plan({ rollout: 'ab', decide: 'auto', interval: '3600', deadline: '72000' });
    expect(() => assertFitsExecution(shorter, aws)).not.toThrow();
  });
});

describe('one look decides (pure)', () => {
  const rule = { margin: 0.02, minFeedback: 100, alpha: 0.05, looks: 4 };
  const arm = (n: number, mean: number, sd: number) => ({ n, mean, variance: sd * sd }) as const;
  const pass: GateResult = { decision: 'pass', reasons: ['ok'], candidateErrorRate: 0, primaryErrorRate: 0 };
  const extend: GateResult = { ...pass, decision: 'extend', reasons: ['too few calls'] };
  const breach: GateResult = { ...pass, decision: 'rollback', reasons: ['candidate error rate 9.00 %'] };
  const counts = { candidate: 5000, primary: 5000 };
  const same = judge(arm(5000, 0.8, 0.25), arm(5000, 0.8, 0.25), rule);
  const worse = judge(arm(5000, 0.9, 0.25), arm(5000, 0.8, 0.25), rule);
  const unclear = judge(arm(200, 0.8, 0.25), arm(200, 0.8, 0.25), rule);
  const look = (gate: GateResult, judgement: typeof same, final = false) =>
    decideLook({ gate, judgement, look: 2, looks: 4, final }, counts);

  it('promotes a candidate within the margin when the gate passes', () => {
    expect(same.verdict).toBe('no_difference');
    expect(look(pass, same)).toMatchObject({ decision: 'promote' });
    expect(look(pass, same).reasons[0]).toMatch(/^no_difference at look 2 of 4: normalised error \+0\.0000/);
  });

  it('aborts a worse candidate, and any candidate whose gate breaches', () => {
    expect(look(pass, worse)).toMatchObject({ decision: 'abort' });
    expect(look(pass, worse).reasons[0]).toMatch(/^candidate_worse at look 2 of 4/);
    expect(look(breach, same)).toEqual({
      decision: 'abort',
      reasons: ['gate breached at look 2 of 4', 'candidate error rate 9.00 %'],
    });
  });

  it('a gate short of samples holds a promotion back but never aborts', () => {
    expect(look(extend, same)).toMatchObject({ decision: 'continue' });
    expect(look(extend, same, true).reasons[0]).toMatch(
      /^inconclusive at look 2 of 4: no_difference, but the gate/,
    );
  });

  it('without a verdict: look again, or at the last look abort as inconclusive', () => {
    expect(unclear.verdict).toBe('insufficient_data');
    expect(look(pass, unclear)).toMatchObject({ decision: 'continue' });
    expect(look(pass, unclear, true).decision).toBe('abort');
    expect(look(pass, unclear, true).reasons[0]).toMatch(
      /^inconclusive at look 2 of 4: \d+ more feedbacks needed/,
    );
  });
});
