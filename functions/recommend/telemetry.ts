import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRICS, RECOMMEND_FUNCTION_NAME } from '../../system/manifest.js';

/**
 * Structured JSON logs and CloudWatch EMF metrics. Dimensions: the served model's sha256 and the
 * executing function version, so a canary's numbers separate from the primary's and a degraded
 * environment (fallback sha) from a healthy one.
 *
 * Cost matters: one Powertools publish costs ~30 µs on this machine (it re-reads process.env on
 * every store access and formats through console.log) — more than the inference itself
 * (docs/benchmarks.md). So:
 * - dimensions are default dimensions, reset only when the served model changes;
 * - `Latency` is the one metric on every request (its SampleCount is the request count, the
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
}

export function createMetrics(
  namespace: string,
  functionVersion: string,
  { flushIntervalMs = 1000, now = Date.now }: MetricsOptions = {},
): RequestMetrics {
  const metrics = new Metrics({ namespace, serviceName: SERVICE_NAME });
  let sha: string | undefined;
  let lastFlush = Number.NEGATIVE_INFINITY;
  let oldestBuffered: number | undefined;

  function flush(): void {
    if (oldestBuffered === undefined) return;
    metrics.setTimestamp(oldestBuffered);
    metrics.publishStoredMetrics();
    oldestBuffered = undefined;
  }

  return {
    publish(o) {
      const t = now();
      if (o.modelSha256 !== sha) {
        flush(); // buffered values belong to the previous model's dimensions
        sha = o.modelSha256;
        metrics.setDefaultDimensions({
          [METRICS.dimensions.functionVersion]: functionVersion,
          [METRICS.dimensions.modelSha256]: sha,
        });
      }
      oldestBuffered ??= t;
      metrics.addMetric('Latency', MetricUnit.Milliseconds, o.latencyMs);
      if (o.status >= 500) metrics.addMetric('Errors', MetricUnit.Count, 1);
      else if (o.status >= 400) metrics.addMetric('ClientErrors', MetricUnit.Count, 1);
      if (o.clamps > 0) metrics.addMetric('Clamps', MetricUnit.Count, o.clamps);
      if (o.degraded) metrics.addMetric('DegradedResponses', MetricUnit.Count, 1);
      if (t - lastFlush >= flushIntervalMs) {
        flush();
        lastFlush = t;
      }
    },
    flush,
  };
}
