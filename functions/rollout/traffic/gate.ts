/**
 * The health gate after each bake: a pure decision over candidate-only metrics (by
 * ExecutedVersion / FunctionVersion) compared with absolute thresholds and with the primary.
 *
 * Failures and calls (`outcomes`): Lambda counts only unhandled errors, but the recommend function
 * answers most failures itself (a 500 `inference_failed`, a `degraded` answer from the fallback
 * model) and reports them as app metrics. A version's failures are its Lambda Errors + app Errors
 * + app DegradedResponses (a degraded 5xx counts twice: the gate errs towards rollback), capped at
 * its calls; its calls are max(Lambda Invocations, app Latency SampleCount). Without app metrics
 * (an older function version, none published yet) the Lambda metrics alone are used.
 *
 * Rules, in order (errors = failures, invocations = calls):
 * 1. Certain breach: the candidate's errors already exceed what `maxErrorRate` allows even if
 *    every call needed to reach `minSamples` succeeded → rollback, however few samples.
 * 2. Too few samples (< minSamples): extend the bake while `extensions < maxExtensions`, then
 *    apply `onInsufficient` (default rollback — a gate never passes on no evidence by default).
 * 3. Error rate > maxErrorRate, or > primary rate + maxErrorRateDelta (when the primary has
 *    ≥ minSamples) → rollback.
 * 4. p99 > maxP99Ms, or > primary p99 × maxP99Ratio + p99SlackMs (when the primary has
 *    ≥ minSamples and a p99) → rollback.
 * 5. Otherwise pass.
 */

/** What the function itself reported (EMF, namespace GATE_APP_NAMESPACE) for one version. */
export interface AppStats {
  /** Latency SampleCount: one per answered request. */
  requests: number;
  /** Handled 5xx answers. */
  errors: number;
  /** Answers served by the fallback model. */
  degraded: number;
}

export interface VersionStats {
  version: string;
  /** Lambda Invocations and (unhandled) Errors. */
  invocations: number;
  errors: number;
  /** Highest per-period p99 in the window (percentiles of periods cannot be merged exactly). */
  p99Ms: number | null;
  /** Absent or null when the version published no app metrics in the window. */
  app?: AppStats | null;
}

export interface Outcomes {
  calls: number;
  failures: number;
}

export function outcomes(s: VersionStats): Outcomes {
  const app = s.app;
  const calls = Math.max(s.invocations, app?.requests ?? 0);
  const failures = s.errors + (app ? app.errors + app.degraded : 0);
  return { calls, failures: Math.min(calls, failures) };
}

/** "3 failures (1 Lambda error, 2 handled errors, 0 degraded responses)". */
export function describeFailures(s: VersionStats): string {
  const { failures } = outcomes(s);
  if (!s.app) return `${failures} errors`;
  return (
    `${failures} failures (${s.errors} Lambda errors, ${s.app.errors} handled errors, ` +
    `${s.app.degraded} degraded responses)`
  );
}

export interface GateThresholds {
  minSamples: number;
  maxExtensions: number;
  onInsufficient: 'rollback' | 'pass';
  maxErrorRate: number;
  maxErrorRateDelta: number;
  maxP99Ms: number;
  maxP99Ratio: number;
  p99SlackMs: number;
}

export interface GateInput {
  candidate: VersionStats;
  primary: VersionStats;
  extensions: number;
  thresholds: GateThresholds;
}

export type GateDecision = 'pass' | 'extend' | 'rollback';

export interface GateResult {
  decision: GateDecision;
  reasons: string[];
  candidateErrorRate: number | null;
  primaryErrorRate: number | null;
}

const rate = (s: VersionStats) => {
  const o = outcomes(s);
  return o.calls > 0 ? o.failures / o.calls : null;
};
const pct = (x: number) => `${(x * 100).toFixed(2)} %`;

export function decideGate({ candidate, primary, extensions, thresholds: t }: GateInput): GateResult {
  const candidateErrorRate = rate(candidate);
  const primaryErrorRate = rate(primary);
  const result = (decision: GateDecision, reasons: string[]): GateResult => ({
    decision,
    reasons,
    candidateErrorRate,
    primaryErrorRate,
  });

  const c = outcomes(candidate);
  const allowedErrors = t.maxErrorRate * t.minSamples;
  if (c.calls < t.minSamples && c.failures > allowedErrors) {
    return result('rollback', [
      `candidate version ${candidate.version}: ${describeFailures(candidate)} in ${c.calls} calls exceeds ` +
        `the ${pct(t.maxErrorRate)} error budget (${allowedErrors.toFixed(1)} errors)`,
    ]);
  }

  if (c.calls < t.minSamples) {
    const shortage = `candidate version ${candidate.version}: ${c.calls} calls < minimum ${t.minSamples}`;
    if (extensions < t.maxExtensions) {
      return result('extend', [`${shortage}; extending the bake (${extensions + 1}/${t.maxExtensions})`]);
    }
    return t.onInsufficient === 'pass'
      ? result('pass', [`${shortage} after ${extensions} extensions; passing as configured`])
      : result('rollback', [`${shortage} after ${extensions} extensions; not enough evidence to pass`]);
  }

  const reasons: string[] = [];
  const primaryComparable = outcomes(primary).calls >= t.minSamples;
  if (candidateErrorRate !== null) {
    if (candidateErrorRate > t.maxErrorRate) {
      reasons.push(
        `candidate error rate ${pct(candidateErrorRate)} > maximum ${pct(t.maxErrorRate)}: ` +
          `${describeFailures(candidate)} in ${c.calls} calls`,
      );
    } else if (primaryComparable && primaryErrorRate !== null) {
      const limit = primaryErrorRate + t.maxErrorRateDelta;
      if (candidateErrorRate > limit) {
        reasons.push(
          `candidate error rate ${pct(candidateErrorRate)} > primary ${pct(primaryErrorRate)} + ${pct(t.maxErrorRateDelta)}: ` +
            `${describeFailures(candidate)} in ${c.calls} calls`,
        );
      }
    }
  }
  if (candidate.p99Ms !== null) {
    if (candidate.p99Ms > t.maxP99Ms) {
      reasons.push(`candidate p99 ${candidate.p99Ms.toFixed(1)} ms > maximum ${t.maxP99Ms} ms`);
    } else if (primaryComparable && primary.p99Ms !== null) {
      const limit = primary.p99Ms * t.maxP99Ratio + t.p99SlackMs;
      if (candidate.p99Ms > limit) {
        reasons.push(
          `candidate p99 ${candidate.p99Ms.toFixed(1)} ms > primary ${primary.p99Ms.toFixed(1)} ms × ${t.maxP99Ratio} + ${t.p99SlackMs} ms`,
        );
      }
    }
  }
  if (reasons.length > 0) return result('rollback', reasons);
  return result('pass', [
    `candidate version ${candidate.version}: ${c.calls} calls, ${describeFailures(candidate)}, ` +
      `p99 ${candidate.p99Ms === null ? 'n/a' : `${candidate.p99Ms.toFixed(1)} ms`} within limits`,
  ]);
}
