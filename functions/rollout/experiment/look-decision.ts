import type { GateResult } from '../traffic/gate.js';
import type { Judgement } from './verdict.js';

/**
 * What one look of an automatic experiment decides (pure), in order:
 * 1. the health gate breached (error rate, p99: traffic/gate.ts) → abort, whatever the outcomes say;
 * 2. candidate_worse → abort;
 * 3. candidate_better or no_difference, with a gate that passes → promote (100 %, like a canary);
 * 4. the last look (K reached or the deadline passed) → abort as `inconclusive`;
 * 5. otherwise look again after the interval.
 * A gate that lacks samples never rolls back here (extensions do not apply: the experiment waits
 * anyway) but does hold a promotion back.
 */
export const LOOK_DECISIONS = ['continue', 'promote', 'abort'] as const;
export type LookDecision = (typeof LOOK_DECISIONS)[number];

export interface LookInput {
  gate: GateResult;
  judgement: Judgement;
  look: number;
  looks: number;
  /** This is the last look: K looks made, or the deadline has passed. */
  final: boolean;
}

export interface LookResult {
  decision: LookDecision;
  /** The first reason starts with the word that decided: gate, candidate_worse, inconclusive, … */
  reasons: string[];
}

const signed = (x: number, digits = 4) => `${x >= 0 ? '+' : ''}${x.toFixed(digits)}`;

/** "normalised error +0.0223 (+2.9 %), 99.2 % interval [+0.0031, +0.0415], margin 0.0153, 1203 vs 1187 feedbacks". */
export function describeJudgement(j: Judgement, feedback: { candidate: number; primary: number }): string {
  const counts = `${feedback.candidate} candidate vs ${feedback.primary} primary feedbacks`;
  if (!j.difference || !j.decision_interval || j.margin_abs === null) return counts;
  const d = j.difference;
  const rel = d.relative === null ? '' : ` (${signed(d.relative * 100, 1)} %)`;
  const i = j.decision_interval;
  return (
    `normalised error ${signed(d.estimate)}${rel}, ${(i.level * 100).toFixed(2)} % interval ` +
    `[${signed(i.lower)}, ${signed(i.upper)}], margin ${j.margin_abs.toFixed(4)}, ${counts}`
  );
}

export function decideLook(input: LookInput, feedback: { candidate: number; primary: number }): LookResult {
  const { gate, judgement: j } = input;
  const at = `look ${input.look} of ${input.looks}`;
  const evidence = describeJudgement(j, feedback);
  if (gate.decision === 'rollback')
    return { decision: 'abort', reasons: [`gate breached at ${at}`, ...gate.reasons] };
  if (j.verdict === 'candidate_worse')
    return { decision: 'abort', reasons: [`candidate_worse at ${at}: ${evidence}`] };
  if ((j.verdict === 'candidate_better' || j.verdict === 'no_difference') && gate.decision === 'pass') {
    return { decision: 'promote', reasons: [`${j.verdict} at ${at}: ${evidence}`] };
  }
  const pending =
    j.verdict === 'insufficient_data'
      ? `${j.needed_feedback === null ? 'an unknown number of' : j.needed_feedback} more feedbacks needed for 80 % power`
      : `${j.verdict}, but the gate has not passed yet: ${gate.reasons.join('; ')}`;
  if (input.final) return { decision: 'abort', reasons: [`inconclusive at ${at}: ${pending}; ${evidence}`] };
  return { decision: 'continue', reasons: [`${at}: ${pending}; ${evidence}`] };
}
