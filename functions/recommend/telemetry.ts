import { Logger } from '@aws-lambda-powertools/logger';
import { METRICS, RECOMMEND_FUNCTION_NAME } from '../../system/manifest.js';
import { createEmfBatch } from '../shared/emf.js';

/**
 * Structured JSON logs and CloudWatch EMF metrics. Dimensions: the served model's sha256 and the
 * executing function version, so a canary's numbers separate from the primary's and a degraded
 * environment (fallback sha) from a healthy one.
 *
 * Cost matters: one Powertools publish cost ~30 µs on this machine (it re-reads process.env on
 * every store access and formats through console.log) — more than the inference itself
 * (docs/benchmarks.md). So the documents are written by functions/shared/emf.ts (each value
 * serialised as it is recorded, one string and one stdout write per document), in exactly the shape
 * Powertools Metrics wrote them: dimension set [service, FunctionVersion, ModelSha256] with
 * service = hypermob-recommend, units Milliseconds and Count, POWERTOOLS_METRICS_DISABLED (or,
 * without it, POWERTOOLS_DEV) turns them off. And:
 * - dimensions are set once and reset only when the served model changes;
 * - `Latency` (ms, to the microsecond) is the one metric on every request (its SampleCount is the request count, the
 *   denominator of every rate); counters are added only when non-zero: error rate =
 *   Errors.Sum / Latency.SampleCount;
 * - values are batched (EMF allows 100 values per metric in one document): a request flushes when
 *   the last flush is older than `flushIntervalMs`, so at low traffic every request is published at
 *   once and under load at most one document per interval (or per 100 values) is written. The
 *   price: values of the last interval before an environment goes idle are published with the next
 *   request (stamped with their own time), or lost if Lambda reclaims the environment first.
 */

export const SERVICE_NAME = RECOMMEND_FUNCTION_NAME;

export function createLogger(functionVersion: string): Logger {
  return new Logger({ serviceName: SERVICE_NAME, persistentKeys: { function_version: functionVersion } });
}

export interface RequestOutcome {
  modelSha256: string;
  latencyMs: number;
  status: number;
  clamps: number;
  degraded: boolean;
}

export interface RequestMetrics {
  publish(outcome: RequestOutcome): void;
  /** Writes whatever is buffered (tests, shutdown). */
  flush(): void;
}

export interface MetricsOptions {
  flushIntervalMs?: number;
  now?: () => number;
  /** Where EMF lines go (default: stdout). */
  write?: (line: string) => void;
  /** Default: from the environment, as Powertools Metrics read it (metricsDisabled). */
  disabled?: boolean;
}

const TRUE = new Set(['1', 'y', 'yes', 't', 'true', 'on']);

/**
 * Powertools Metrics' switch: POWERTOOLS_METRICS_DISABLED when set (1/y/yes/t/true/on disable),
 * else POWERTOOLS_DEV (dev mode disables metrics).
 */
export function metricsDisabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const disabled = env.POWERTOOLS_METRICS_DISABLED;
  if (disabled !== undefined) return TRUE.has(disabled.trim().toLowerCase());
  return TRUE.has((env.POWERTOOLS_DEV ?? '').trim().toLowerCase());
}

// Metric indices in the batch; the declaration order of a document.
const LATENCY = 0;
const CLIENT_ERRORS = 1;
const CLAMPS = 2;
const ERRORS = 3;
const DEGRADED = 4;

export function createMetrics(
  namespace: string,
  functionVersion: string,
  { flushIntervalMs = 1000, now = Date.now, write, disabled = metricsDisabled() }: MetricsOptions = {},
): RequestMetrics {
  const batch = createEmfBatch({
    namespace,
    dimensions: ['service', METRICS.dimensions.functionVersion, METRICS.dimensions.modelSha256],
    metrics: [
      { name: 'Latency', unit: 'Milliseconds' },
      { name: 'ClientErrors', unit: 'Count' },
      { name: 'Clamps', unit: 'Count' },
      { name: 'Errors', unit: 'Count' },
      { name: 'DegradedResponses', unit: 'Count' },
    ],
    flushIntervalMs,
    ...(write ? { write } : {}),
    disabled,
  });
  let sha: string | undefined;

  return {
    publish(o) {
      const t = now();
      if (o.modelSha256 !== sha) {
        sha = o.modelSha256;
        batch.setDimensions([SERVICE_NAME, functionVersion, sha]); // flushes the previous model's values
      }
      // To the microsecond: finer digits are timer noise, and a short number is cheaper to format
      // (per request) and to write (per document) than performance.now()'s 17 significant digits.
      batch.add(LATENCY, Math.round(o.latencyMs * 1000) / 1000, t);
      if (o.status >= 500) batch.add(ERRORS, 1, t);
      else if (o.status >= 400) batch.add(CLIENT_ERRORS, 1, t);
      if (o.clamps > 0) batch.add(CLAMPS, o.clamps, t);
      if (o.degraded) batch.add(DEGRADED, 1, t);
      batch.commit(t);
    },
    flush: () => batch.flush(),
  };
}
