/**
 * A check's verdict as it appears in the report. `skipped` is not a pass: it says the check could
 * not run (the model did not load, or there is no live model to compare with) and why.
 */
export type CheckStatus = 'passed' | 'failed' | 'skipped';

/** What a check that ran concluded; the registry entry (check.ts) adds the name. */
export interface Verdict {
  status: Exclude<CheckStatus, 'skipped'>;
  /** One line for people: the measured number against its threshold. */
  summary: string;
  /** Every number the verdict rests on. */
  details?: Record<string, unknown>;
}

export interface CheckResult {
  /** The check's id in the registry (checks.ts). */
  name: string;
  status: CheckStatus;
  /** One line for people: the measured number against its threshold, or why the check was skipped. */
  summary: string;
  details?: Record<string, unknown>;
}

export function passedOrFailed(ok: boolean): Verdict['status'] {
  return ok ? 'passed' : 'failed';
}

/** Numbers in summaries: enough digits to compare with a threshold, no float noise. */
export function fmt(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return String(v);
  return Number(v.toPrecision(digits)).toString();
}
