import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/**
 * Structured JSON logs and one EMF document per request. Dimensions: the served model's sha256
 * and the executing function version, so a canary's numbers separate from the primary's and a
 * degraded environment (fallback sha) from a healthy one.
 */

export const SERVICE_NAME = 'hypermob-recommend';

export function createLogger(functionVersion: string): Logger {
  return new Logger({ serviceName: SERVICE_NAME, persistentKeys: { function_version: functionVersion } });
}

export function createMetrics(namespace: string, functionVersion: string): Metrics {
  const metrics = new Metrics({ namespace, serviceName: SERVICE_NAME });
  metrics.setDefaultDimensions({ FunctionVersion: functionVersion });
  return metrics;
}

export interface RequestOutcome {
  modelSha256: string;
  latencyMs: number;
  status: number;
  clamps: number;
  degraded: boolean;
}

/** Every metric on every request (zeros included) so rates and averages have a denominator. */
export function publishRequestMetrics(metrics: Metrics, o: RequestOutcome): void {
  metrics.addDimension('ModelSha256', o.modelSha256);
  metrics.addMetric('Latency', MetricUnit.Milliseconds, o.latencyMs);
  metrics.addMetric('Errors', MetricUnit.Count, o.status >= 500 ? 1 : 0);
  metrics.addMetric('ClientErrors', MetricUnit.Count, o.status >= 400 && o.status < 500 ? 1 : 0);
  metrics.addMetric('Clamps', MetricUnit.Count, o.clamps);
  metrics.addMetric('DegradedResponses', MetricUnit.Count, o.degraded ? 1 : 0);
  metrics.publishStoredMetrics();
}
