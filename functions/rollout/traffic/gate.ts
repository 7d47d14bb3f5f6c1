/**
 * The health gate after each bake: a pure decision over candidate-only metrics (by
 * ExecutedVersion) compared with absolute thresholds and with the primary. Rules, in order:
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

export interface VersionStats {
  version: string;
  invocations: number;
  errors: number;
  /** Highest per-period p99 in the window (percentiles of periods cannot be merged exactly). */
  p99Ms: number | null;
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

const rate = (s: VersionStats) => (s.invocations > 0 ? s.errors / s.invocations : null);
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

  const allowedErrors = t.maxErrorRate * t.minSamples;
  if (candidate.invocations < t.minSamples && candidate.errors > allowedErrors) {
    return result('rollback', [
      `candidate version ${candidate.version}: ${candidate.errors} errors in ${candidate.invocations} calls exceeds ` +
        `the ${pct(t.maxErrorRate)} error budget (${allowedErrors.toFixed(1)} errors)`,
    ]);
  }

  if (candidate.invocations < t.minSamples) {
    const shortage = `candidate version ${candidate.version}: ${candidate.invocations} calls < minimum ${t.minSamples}`;
    if (extensions < t.maxExtensions) {
      return result('extend', [`${shortage}; extending the bake (${extensions + 1}/${t.maxExtensions})`]);
    }
    return t.onInsufficient === 'pass'
      ? result('pass', [`${shortage} after ${extensions} extensions; passing as configured`])
      : result('rollback', [`${shortage} after ${extensions} extensions; not enough evidence to pass`]);
  }

  const reasons: string[] = [];
  const primaryComparable = primary.invocations >= t.minSamples;
  if (candidateErrorRate !== null) {
    if (candidateErrorRate > t.maxErrorRate) {
      reasons.push(`candidate error rate ${pct(candidateErrorRate)} > maximum ${pct(t.maxErrorRate)}`);
    } else if (primaryComparable && primaryErrorRate !== null) {
      const limit = primaryErrorRate + t.maxErrorRateDelta;
      if (candidateErrorRate > limit) {
        reasons.push(
          `candidate error rate ${pct(candidateErrorRate)} > primary ${pct(primaryErrorRate)} + ${pct(t.maxErrorRateDelta)}`,
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
    `candidate version ${candidate.version}: ${candidate.invocations} calls, ${candidate.errors} errors, ` +
      `p99 ${candidate.p99Ms === null ? 'n/a' : `${candidate.p99Ms.toFixed(1)} ms`} within limits`,
  ]);
}
