import { randomUUID } from 'node:crypto';
import type { AwsService } from '../aws-endpoint.js';
import { getMetricData } from './api.js';
import { AppMetricsStore } from './app-metrics.js';
import { mayBeEmf, parseEmf } from './emf.js';
import { type Datapoint, MetricsStore } from './metrics.js';

/**
 * The local CloudWatch: it owns the metrics and answers GetMetricData (with Metrics Insights). The
 * Lambda service feeds it what Lambda feeds CloudWatch on AWS — one record per invocation
 * (AWS/Lambda Invocations, Errors, Duration) and every line a function prints, from which EMF
 * documents become custom metrics, as CloudWatch Logs extracts them.
 */
export interface FunctionTelemetry {
  /** One invocation, as Lambda publishes it to AWS/Lambda; `atMs` defaults to now. */
  recordInvocation(d: Datapoint, atMs?: number): void;
  /** A line of a function's stdout or stderr (one log stream on Lambda). */
  functionOutput(line: string): void;
}

export interface CloudWatchService extends FunctionTelemetry, AwsService {
  /** AWS/Lambda invocation metrics (read-only use: tests, benchmarks). */
  readonly lambdaMetrics: MetricsStore;
}

export function createCloudWatchService(): CloudWatchService {
  const stores = { lambda: new MetricsStore(), app: new AppMetricsStore() };
  return {
    lambdaMetrics: stores.lambda,
    recordInvocation: (d, atMs) => stores.lambda.record(d, atMs),
    functionOutput(line) {
      // A string scan first: plain log lines, nearly all of them, cost no JSON parse.
      if (!mayBeEmf(line)) return;
      for (const p of parseEmf(line)) stores.app.record(p);
    },
    async serve({ route, body }, res) {
      switch (route.operation) {
        case 'GetMetricData': {
          const out = getMetricData(body, stores);
          res.writeHead(out.status, { ...out.headers, 'x-amzn-requestid': randomUUID() });
          res.end(out.body);
          return;
        }
      }
      throw new Error(`cloudwatch: no handler for routed operation ${route.operation}`);
    },
  };
}
