import type { Verdict } from './check-result.js';
import type { FactName, Facts } from './facts.js';
import type { Thresholds } from './thresholds.js';

/**
 * One validation check as the registry (checks.ts) declares it. validate.ts runs the registry's
 * checks by `order`, gives each the facts it `needs`, and skips it — with the reason the first absent
 * need is absent for — when any is missing; so a check never decides whether it can run, and no list
 * elsewhere names it. A rejected model's report therefore lists every check, run or skipped.
 */
export interface Check<
  Id extends string = string,
  N extends FactName = FactName,
  P extends FactName = never,
> {
  /** The check's name in the report, the handler's output and the rejection cause. */
  id: Id;
  /** Position in the report; checks run in this order, so a check runs after those providing its needs. */
  order: number;
  /**
   * The facts it needs, root cause first: when several are absent, the first one's reason is the
   * skip reason (a model over the size limit is "over the size limit", not "does not load"; checks
   * on predictions list `model` first, whose reason names a NaN for the probe row).
   */
  needs: readonly N[];
  /** The facts it can provide to later checks, each with why it is absent when it is not provided. */
  provides?: { readonly [F in P]?: AbsentReason };
  /** Skip even though every need is there, with this reason (e.g. nothing finite to compare with). */
  skipWhen?: (facts: Pick<Facts, NoInfer<N>>) => string | undefined;
  /**
   * How long the check may run, ms (default: `checkTimeLimitMs`). Past it the check fails and its
   * `signal` aborts, which kills the inference process it was waiting on (session-process.ts).
   */
  timeLimitMs?: (thresholds: Thresholds) => number;
  /** `signal` aborts at the time limit: hand it to every model call. */
  run(
    facts: Pick<Facts, N>,
    thresholds: Thresholds,
    signal: AbortSignal,
  ): CheckOutcome<NoInfer<P>> | Promise<CheckOutcome<NoInfer<P>>>;
}

export interface CheckOutcome<P extends FactName = never> extends Verdict {
  // A check that declares no facts may not provide any (an empty mapped type would accept anything).
  provides?: [P] extends [never] ? undefined : { [F in P]?: Facts[F] };
  /** Overrides the declared reason for a fact this run did not provide. */
  absent?: [P] extends [never] ? undefined : { [F in P]?: string };
  /** Frees what the check holds for later checks (an inference session); called after the last check. */
  release?: () => Promise<void>;
}

/** Why a fact is absent; a function gets the names of the checks failed so far. */
export type AbsentReason = string | ((failed: readonly string[]) => string);

/** The candidate cannot predict: the first failed check is why. */
export const noInference: AbsentReason = (failed) =>
  `no inference: the ${failed[0] ?? 'contract'} check failed`;

export type AnyCheck = Check<string, FactName, FactName>;

/** Declares a check, inferring its id, needs and provided facts for the types of `run`. */
export function defineCheck<const Id extends string, N extends FactName, P extends FactName = never>(
  check: Check<Id, N, P>,
): Check<Id, N, P> {
  return check;
}
