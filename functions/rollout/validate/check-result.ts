/**
 * One check's verdict as it appears in the report. `skipped` is not a pass: it says the check could
 * not run (the model did not load, or there is no live model to compare with) and why.
 */
export const CHECK_NAMES = [
  'size',
  'parses',
  'loads',
  'contract',
  'finite',
  'ranges',
  'accuracy',
  'non_regression',
  'latency',
  'seatpos',
] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

export type CheckStatus = 'passed' | 'failed' | 'skipped';

export interface CheckResult {
  name: CheckName;
  status: CheckStatus;
  /** One line for people: the measured number against its threshold, or why the check was skipped. */
  summary: string;
  /** Every number the verdict rests on. */
  details?: Record<string, unknown>;
}

export function passedOrFailed(ok: boolean): CheckStatus {
  return ok ? 'passed' : 'failed';
}

export function skipped(name: CheckName, reason: string): CheckResult {
  return { name, status: 'skipped', summary: reason };
}

/** Numbers in summaries: enough digits to compare with a threshold, no float noise. */
export function fmt(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return String(v);
  return Number(v.toPrecision(digits)).toString();
}
