import { describe, expect, it } from 'vitest';
import {
  MIN_PERIODS,
  metricQueries,
  periodStarts,
  toVersionMetrics,
} from '../../operator/dashboard/version-metrics.js';

/** The dashboard's traffic series: the gates' dimensions, the shared axis, counts and rates. */
const w = {
  functionName: 'hypermob-recommend',
  alias: 'live',
  versions: ['2', '1'],
  periodSeconds: 5,
  windowSeconds: 300,
  now: new Date(1_000_003_000),
};

describe('dashboard: version metrics', () => {
  it('asks Lambda for each version on the alias by ExecutedVersion: invocations, errors, p50, p99', () => {
    const q = metricQueries(w);
    expect(q.map((x) => x.Id)).toEqual([
      'v0_inv',
      'v0_err',
      'v0_p50',
      'v0_p99',
      'v1_inv',
      'v1_err',
      'v1_p50',
      'v1_p99',
    ]);
    expect(q[2]?.MetricStat?.Stat).toBe('p50');
    expect(q[0]?.MetricStat?.Metric?.Dimensions).toEqual([
      { Name: 'FunctionName', Value: 'hypermob-recommend' },
      { Name: 'Resource', Value: 'hypermob-recommend:live' },
      { Name: 'ExecutedVersion', Value: '2' },
    ]);
  });

  it('lays results on whole periods from the first datapoint, counts gaps as 0 and leaves rates of idle periods empty', () => {
    const times = periodStarts(w);
    expect(times).toHaveLength(60);
    expect(times.at(-1)).toBe(1_000_000);
    const t = (k: number) => times[times.length - 1 - k] as number;
    const results = new Map([
      [
        'v0_inv',
        new Map([
          [t(2), 10],
          [t(0), 4],
        ]),
      ],
      ['v0_err', new Map([[t(0), 1]])],
      ['v0_p99', new Map([[t(2), 12]])],
    ]);
    const m = toVersionMetrics(w, results);
    expect(m.times).toHaveLength(MIN_PERIODS);
    expect(m.versions.map((v) => v.version)).toEqual(['2']); // version 1 served nothing
    const [v] = m.versions;
    expect(v?.invocations.slice(-3)).toEqual([10, 0, 4]);
    expect(v?.invocations[0]).toBeNull();
    expect(v?.errorRate.slice(-3)).toEqual([0, null, 0.25]);
    expect(v?.p99Ms.slice(-3)).toEqual([12, null, null]);
  });
});
