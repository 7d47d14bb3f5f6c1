import type { SettingValues } from '../system/settings.js';

/**
 * The AWS-like timing mode (`hypermob local --aws-timing`, `startLocalCloud({ awsTiming })`): the
 * delays AWS has and the local cloud otherwise skips, so code that must wait for them is exercised.
 * - metrics: a datapoint becomes visible to GetMetricData only `metricDelayMs` after it happened
 *   ("Lambda sends metric data to CloudWatch in 1-minute intervals",
 *   https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics.html). Locally 3 s by default,
 *   not minutes: enough for a gate that ignored the delay to see too few requests, short enough that
 *   a canary (whose bake lasts at least twice the delay) still finishes in seconds;
 * - PublishVersion: a new version is Pending for `publishPendingMs` (default 1 s) before it is Active
 *   (https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html);
 * - UpdateFunctionConfiguration: LastUpdateStatus stays InProgress for `updateSettleMs` (default 2 s
 *   instead of 300 ms).
 */
export interface AwsTiming {
  metricDelayMs: number;
  publishPendingMs: number;
  updateSettleMs: number;
}

export const AWS_TIMING_DEFAULTS: AwsTiming = {
  metricDelayMs: 3000,
  publishPendingMs: 1000,
  updateSettleMs: 2000,
};

/** `true` takes the defaults; an object overrides some of them. */
export type AwsTimingOption = boolean | Partial<AwsTiming>;

export function resolveAwsTiming(option: AwsTimingOption | undefined): AwsTiming | undefined {
  if (!option) return undefined;
  return { ...AWS_TIMING_DEFAULTS, ...(option === true ? {} : option) };
}

/** What the functions must know of the mode: the traffic gates read metrics up to now − this delay. */
export function timingSettings(timing: AwsTiming | undefined): Partial<SettingValues> {
  return timing ? { GATE_METRIC_DELAY_SECONDS: Math.ceil(timing.metricDelayMs / 1000) } : {};
}
