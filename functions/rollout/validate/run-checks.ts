import { boundText } from '../../shared/bounded-text.js';
import type { AbsentReason, AnyCheck, CheckOutcome } from './check.js';
import type { CheckResult, CheckStatus } from './check-result.js';
import { type FactName, type Facts, INPUT_FACTS } from './facts.js';
import { InferenceStoppedError } from './session-process.js';
import type { Thresholds } from './thresholds.js';

/** The check list itself is broken (registryProblems): a programming error, never a model's fault. */
export class CheckRegistryError extends Error {
  override name = 'CheckRegistryError';
}

/** The checks in run and report order. */
export function inOrder(checks: readonly AnyCheck[]): AnyCheck[] {
  return [...checks].sort((a, b) => a.order - b.order);
}

/**
 * What makes a check list unusable: duplicate ids or orders, a fact provided twice or shadowing an
 * input, or a need that neither the input nor an earlier check provides (that check could never run).
 * Empty for a sound list.
 */
export function registryProblems(checks: readonly AnyCheck[]): string[] {
  const problems: string[] = [];
  const duplicates = (values: unknown[]) => values.filter((v, i) => values.indexOf(v) !== i);
  for (const id of duplicates(checks.map((c) => c.id))) problems.push(`check id ${id} is used twice`);
  for (const order of duplicates(checks.map((c) => c.order))) problems.push(`order ${order} is used twice`);
  const available = new Set<FactName>(INPUT_FACTS);
  for (const check of inOrder(checks)) {
    for (const need of check.needs) {
      if (!available.has(need)) problems.push(`${check.id} needs ${need}, which no earlier check provides`);
    }
    for (const fact of providedBy(check)) {
      if (available.has(fact)) problems.push(`${check.id} provides ${fact}, which is already provided`);
      available.add(fact);
    }
  }
  return problems;
}

const providedBy = (check: AnyCheck) => Object.keys(check.provides ?? {}) as FactName[];

export interface ChecksRun {
  /** Every check, in order: what it found, or why it was skipped. */
  results: CheckResult[];
  /** The input facts and every fact the checks provided. */
  facts: Partial<Facts>;
  /** How long each check that ran took, ms. */
  ms: Record<string, number>;
}

/**
 * Runs every check, in order, and never stops at a failure: a rejected model's report lists all that
 * is wrong with it. A check whose need is absent is skipped with the reason of the first absent need
 * (explicit from the input or the providing check, else the reason its provider declares).
 */
export async function runChecks(
  checks: readonly AnyCheck[],
  input: { facts: Partial<Facts>; absent: Partial<Record<FactName, string>> },
  thresholds: Thresholds,
): Promise<ChecksRun> {
  const problems = registryProblems(checks);
  if (problems.length > 0) throw new CheckRegistryError(`invalid check registry: ${problems.join('; ')}`);
  const declared = new Map(checks.flatMap((c) => providedBy(c).map((f) => [f, c.provides?.[f]] as const)));
  const facts: Partial<Facts> = { ...input.facts };
  const absent: Partial<Record<FactName, AbsentReason>> = { ...input.absent };
  const results: CheckResult[] = [];
  const ms: Record<string, number> = {};
  const releases: Array<() => Promise<void>> = [];
  const whyAbsent = (fact: FactName): string => {
    const reason = absent[fact] ?? declared.get(fact) ?? `no ${fact}`;
    return typeof reason === 'string'
      ? reason
      : reason(results.filter((r) => r.status === 'failed').map((r) => r.name));
  };
  try {
    for (const check of inOrder(checks)) {
      const missing = check.needs.find((need) => facts[need] === undefined);
      // Every need is present past this point, which is all run and skipWhen may read.
      const given = facts as Facts;
      const skip = missing ? whyAbsent(missing) : check.skipWhen?.(given);
      if (skip !== undefined) {
        results.push({ name: check.id, status: 'skipped', summary: skip });
        continue;
      }
      const started = performance.now();
      const outcome = await runWithinTimeLimit(check, given, thresholds);
      ms[check.id] = performance.now() - started;
      if (outcome.release) releases.push(outcome.release);
      const { status, summary, details } = outcome;
      results.push({ name: check.id, status, summary, ...(details ? { details } : {}) });
      Object.assign(facts, outcome.provides);
      Object.assign(absent, outcome.absent);
    }
  } finally {
    await Promise.all(releases.map((release) => release()));
  }
  return { results, facts, ms };
}

/**
 * Runs one check within its time limit. Past the limit the check fails and its signal aborts, which
 * kills the inference process the check was waiting on; a later check that needs that process is
 * skipped with the reason. A check that throws fails with the (bounded) error: every model, however
 * it breaks onnxruntime, gets a report instead of a crashed, retried validation.
 */
async function runWithinTimeLimit(
  check: AnyCheck,
  facts: Facts,
  thresholds: Thresholds,
): Promise<Omit<CheckOutcome<FactName>, 'status'> & { status: CheckStatus }> {
  const limitMs = check.timeLimitMs?.(thresholds) ?? thresholds.checkTimeLimitMs;
  const controller = new AbortController();
  const overrun = new InferenceStoppedError(`the ${check.id} check ran past its ${limitMs} ms time limit`);
  let timer: NodeJS.Timeout | undefined;
  const timeLimit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort(overrun);
      reject(overrun);
    }, limitMs);
  });
  const running = Promise.resolve().then(() => check.run(facts, thresholds, controller.signal));
  // Rejects once its process is killed, after the race below was decided.
  running.catch(() => undefined);
  try {
    return await Promise.race([running, timeLimit]);
  } catch (err) {
    if (err === overrun) {
      return {
        status: 'failed',
        summary: `did not finish within its ${limitMs} ms time limit; its inference process was killed`,
        details: { timeLimitMs: limitMs },
      };
    }
    if (err instanceof InferenceStoppedError)
      return { status: 'skipped', summary: `inference stopped: ${err.message}` };
    const e = err as Error;
    return {
      status: 'failed',
      summary: `the check failed with ${e.name}: ${boundText(e.message ?? String(err))}`,
    };
  } finally {
    clearTimeout(timer);
  }
}
