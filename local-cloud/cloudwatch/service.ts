import { randomUUID } from 'node:crypto';
import type { AwsService } from '../aws-endpoint.js';
import { getMetricDataJson } from './api.js';
import { AppMetricsStore } from './app-metrics.js';
import { mayBeEmf, parseEmf } from './emf.js';
import type { Datapoint } from './metrics.js';
import { MetricsStore } from './metrics.js';
import { getMetricDataQuery } from './query-api.js';
import { decodeQueryForm } from './query-protocol.js';

/**
 * The local CloudWatch: it owns the metrics and answers GetMetricData (with Metrics Insights) in both
 * protocols clients use — JSON 1.0 (`X-Amz-Target`, the SDK) and query (form body, the AWS CLI v1).
 * The Lambda service feeds it what Lambda feeds CloudWatch on AWS — one record per invocation
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

export interface CloudWatchOptions {
  /**
   * How long a datapoint takes to become visible to GetMetricData (the AWS-like timing mode; AWS
   * publishes Lambda's metrics a few minutes late). Default 0: visible at once.
   */
  metricDelayMs?: number;
  now?: () => number;
}

export function createCloudWatchService(o: CloudWatchOptions = {}): CloudWatchService {
  const stores = { lambda: new MetricsStore(), app: new AppMetricsStore() };
  const now = o.now ?? Date.now;
  const delayMs = o.metricDelayMs ?? 0;
  const clock = () => {
    const ms = now();
    return {
      nowSec: ms / 1000,
      visibleUntilSec: delayMs > 0 ? Math.floor((ms - delayMs) / 1000) : Number.POSITIVE_INFINITY,
    };
  };
  return {
    lambdaMetrics: stores.lambda,
    recordInvocation: (d, atMs) => stores.lambda.record(d, atMs),
    functionOutput(line) {
      // A string scan first: plain log lines, nearly all of them, cost no JSON parse.
      if (!mayBeEmf(line)) return;
      for (const p of parseEmf(line)) stores.app.record(p);
    },
    async serve({ route, req, body }, res) {
      switch (route.operation) {
        case 'GetMetricData': {
          // The JSON protocol names the operation in X-Amz-Target; the query protocol in the form.
          const out =
            req.headers['x-amz-target'] !== undefined
              ? getMetricDataJson(body, stores, clock())
              : getMetricDataQuery(
                  decodeQueryForm(new URLSearchParams(body.toString('utf8'))),
                  stores,
                  clock(),
                );
          res.writeHead(out.status, { ...out.headers, 'x-amzn-requestid': randomUUID() });
          res.end(out.body);
          return;
        }
      }
      throw new Error(`cloudwatch: no handler for routed operation ${route.operation}`);
    },
  };
}
