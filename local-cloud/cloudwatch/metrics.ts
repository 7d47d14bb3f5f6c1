/**
 * Invocation metrics kept like CloudWatch's AWS/Lambda namespace: every invocation is a datapoint of
 * Invocations (1), Errors (0 or 1) and Duration (ms), dimensioned by FunctionName, Resource
 * (`fn` or `fn:qualifier`) and ExecutedVersion. Stored per second so any period ≥ 1 s can be
 * queried; durations keep up to `maxSamples` per series and second (reservoir) for percentiles.
 */
export interface Datapoint {
  functionName: string;
  resource: string;
  executedVersion: string;
  error: boolean;
  durationMs: number;
}

export interface Dimensions {
  FunctionName?: string;
  Resource?: string;
  ExecutedVersion?: string;
}

interface Bucket {
  functionName: string;
  resource: string;
  executedVersion: string;
  count: number;
  errors: number;
  sum: number;
  min: number;
  max: number;
  samples: number[];
}

export const METRIC_NAMES = ['Invocations', 'Errors', 'Duration'] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

export interface Series {
  /** Period start, epoch seconds, ascending. */
  timestamps: number[];
  values: number[];
}

export class MetricsStore {
  /** epoch second → series key → bucket. */
  private readonly seconds = new Map<number, Map<string, Bucket>>();
  private oldest = Number.POSITIVE_INFINITY;

  constructor(
    // Bounded memory under sustained load: ≤ 500 durations per series and second for 2 h (≈ 30 MB).
    private readonly retentionSeconds = 2 * 3600,
    private readonly maxSamples = 500,
    private readonly random: () => number = Math.random,
  ) {}

  record(p: Datapoint, atMs: number = Date.now()): void {
    const second = Math.floor(atMs / 1000);
    let series = this.seconds.get(second);
    if (!series) {
      series = new Map();
      this.seconds.set(second, series);
      this.prune(second);
    }
    const key = `${p.functionName}\0${p.resource}\0${p.executedVersion}`;
    let b = series.get(key);
    if (!b) {
      b = {
        functionName: p.functionName,
        resource: p.resource,
        executedVersion: p.executedVersion,
        count: 0,
        errors: 0,
        sum: 0,
        min: Number.POSITIVE_INFINITY,
        max: Number.NEGATIVE_INFINITY,
        samples: [],
      };
      series.set(key, b);
    }
    b.count += 1;
    if (p.error) b.errors += 1;
    b.sum += p.durationMs;
    b.min = Math.min(b.min, p.durationMs);
    b.max = Math.max(b.max, p.durationMs);
    if (b.samples.length < this.maxSamples) b.samples.push(p.durationMs);
    else {
      const j = Math.floor(this.random() * b.count);
      if (j < this.maxSamples) b.samples[j] = p.durationMs;
    }
  }

  private prune(nowSecond: number): void {
    const cutoff = nowSecond - this.retentionSeconds;
    if (this.oldest >= cutoff) {
      this.oldest = Math.min(this.oldest, nowSecond);
      return;
    }
    let oldest = nowSecond;
    for (const s of this.seconds.keys()) {
      if (s < cutoff) this.seconds.delete(s);
      else oldest = Math.min(oldest, s);
    }
    this.oldest = oldest;
  }

  /**
   * One metric over [startSec, endSec) grouped into `periodSec` periods aligned to the epoch.
   * Dimensions match exactly the ones given; the others are aggregated. Periods without any
   * invocation have no datapoint, as in CloudWatch.
   */
  query(
    metric: MetricName,
    dims: Dimensions,
    stat: string,
    periodSec: number,
    startSec: number,
    endSec: number,
  ): Series {
    const periods = new Map<number, Bucket[]>();
    for (const [second, series] of this.seconds) {
      if (second < startSec || second >= endSec) continue;
      const period = Math.floor(second / periodSec) * periodSec;
      for (const b of series.values()) {
        if (dims.FunctionName !== undefined && dims.FunctionName !== b.functionName) continue;
        if (dims.Resource !== undefined && dims.Resource !== b.resource) continue;
        if (dims.ExecutedVersion !== undefined && dims.ExecutedVersion !== b.executedVersion) continue;
        const list = periods.get(period);
        if (list) list.push(b);
        else periods.set(period, [b]);
      }
    }
    const timestamps = [...periods.keys()].sort((a, b) => a - b);
    return { timestamps, values: timestamps.map((t) => statistic(metric, stat, periods.get(t) ?? [])) };
  }
}

/** A CloudWatch statistic over the buckets of one period. */
export function statistic(metric: MetricName, stat: string, buckets: Bucket[]): number {
  if (metric === 'Duration') return sampleStatistic(stat, buckets, metric);
  // Invocations and Errors are published as one value per call: 1, or for Errors 0/1.
  if (stat.startsWith('p')) throw new Error(`Unsupported statistic ${stat} for ${metric}`);
  return sampleStatistic(
    stat,
    buckets.map((b) =>
      metric === 'Invocations'
        ? { count: b.count, sum: b.count, min: 1, max: 1, samples: [] }
        : {
            count: b.count,
            sum: b.errors,
            min: b.errors === b.count ? 1 : 0,
            max: b.errors > 0 ? 1 : 0,
            samples: [],
          },
    ),
    metric,
  );
}

/** Buckets of recorded values (Duration here; any EMF metric in app-metrics.ts). */
export interface SampleBucket {
  count: number;
  sum: number;
  min: number;
  max: number;
  samples: number[];
}

/** A CloudWatch statistic (Sum, SampleCount, Average, Maximum, Minimum, pNN) over value buckets. */
export function sampleStatistic(stat: string, buckets: SampleBucket[], metric = 'metric'): number {
  const count = buckets.reduce((n, b) => n + b.count, 0);
  const sum = buckets.reduce((n, b) => n + b.sum, 0);
  switch (stat) {
    case 'Sum':
      return sum;
    case 'SampleCount':
      return count;
    case 'Average':
      return count === 0 ? 0 : sum / count;
    case 'Maximum':
      return Math.max(...buckets.map((b) => b.max));
    case 'Minimum':
      return Math.min(...buckets.map((b) => b.min));
  }
  const p = /^p(\d+(?:\.\d+)?)$/.exec(stat);
  if (p)
    return percentile(
      buckets.flatMap((b) => b.samples),
      Number(p[1]),
    );
  throw new Error(`Unsupported statistic ${stat} for ${metric}`);
}

/** Nearest-rank percentile (the smallest sample with at least q % of samples at or below it). */
export function percentile(samples: number[], q: number): number {
  if (samples.length === 0) return 0;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((q / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}
