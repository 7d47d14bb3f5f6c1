import type { EmfDatapoint } from './emf.js';
import { type SampleBucket, type Series, sampleStatistic } from './metrics.js';

/**
 * Custom metrics that functions publish through EMF on stdout (namespaces other than AWS/Lambda),
 * kept per second and per series like CloudWatch: a series is namespace + metric name + one exact
 * dimension set. Values keep up to `maxSamples` per series and second (reservoir) for percentiles.
 */
interface Bucket extends SampleBucket {
  dimensions: Record<string, string>;
}

export interface SeriesMatch {
  namespace: string;
  metric: string;
  dimensions: Record<string, string>;
  /**
   * `exact`: the series' dimension set is exactly `dimensions` (a MetricStat query, as on AWS).
   * `filter`: every series whose dimensions include `dimensions` (a Metrics Insights WHERE).
   */
  mode: 'exact' | 'filter';
  /** Metrics Insights `SCHEMA(ns, k1, k2)`: the series' dimension keys are exactly these. */
  schemaKeys?: string[];
}

export class AppMetricsStore {
  /** epoch second → series key → bucket. */
  private readonly seconds = new Map<number, Map<string, Bucket>>();

  constructor(
    private readonly retentionSeconds = 2 * 3600,
    private readonly maxSamples = 500,
    private readonly random: () => number = Math.random,
  ) {}

  record(p: EmfDatapoint): void {
    const second = Math.floor(p.timestampMs / 1000);
    let series = this.seconds.get(second);
    if (!series) {
      series = new Map();
      this.seconds.set(second, series);
      this.prune(second);
    }
    const dimKeys = Object.keys(p.dimensions).sort();
    const key = [p.namespace, p.metric, ...dimKeys.map((k) => `${k}=${p.dimensions[k]}`)].join('\0');
    let b = series.get(key);
    if (!b) {
      b = { dimensions: p.dimensions, count: 0, sum: 0, min: Infinity, max: -Infinity, samples: [] };
      series.set(key, b);
    }
    for (const v of p.values) {
      b.count += 1;
      b.sum += v;
      b.min = Math.min(b.min, v);
      b.max = Math.max(b.max, v);
      if (b.samples.length < this.maxSamples) b.samples.push(v);
      else {
        const j = Math.floor(this.random() * b.count);
        if (j < this.maxSamples) b.samples[j] = v;
      }
    }
  }

  private prune(nowSecond: number): void {
    const cutoff = nowSecond - this.retentionSeconds;
    for (const s of this.seconds.keys()) if (s < cutoff) this.seconds.delete(s);
  }

  /** One statistic over [startSec, endSec) in `periodSec` periods; periods without values have no datapoint. */
  query(match: SeriesMatch, stat: string, periodSec: number, startSec: number, endSec: number): Series {
    const prefix = `${match.namespace}\0${match.metric}\0`;
    const wanted = Object.entries(match.dimensions);
    const periods = new Map<number, Bucket[]>();
    for (const [second, series] of this.seconds) {
      if (second < startSec || second >= endSec) continue;
      const period = Math.floor(second / periodSec) * periodSec;
      for (const [key, b] of series) {
        if (!key.startsWith(prefix) && key !== prefix.slice(0, -1)) continue;
        if (match.mode === 'exact' && Object.keys(b.dimensions).length !== wanted.length) continue;
        if (!wanted.every(([k, v]) => b.dimensions[k] === v)) continue;
        if (match.schemaKeys && !sameKeys(match.schemaKeys, b.dimensions)) continue;
        const list = periods.get(period);
        if (list) list.push(b);
        else periods.set(period, [b]);
      }
    }
    const timestamps = [...periods.keys()].sort((a, b) => a - b);
    return { timestamps, values: timestamps.map((t) => appStatistic(stat, periods.get(t) ?? [])) };
  }
}

function sameKeys(keys: string[], dims: Record<string, string>): boolean {
  const have = Object.keys(dims);
  return have.length === keys.length && keys.every((k) => k in dims);
}

export function appStatistic(stat: string, buckets: Bucket[]): number {
  return sampleStatistic(stat, buckets);
}
