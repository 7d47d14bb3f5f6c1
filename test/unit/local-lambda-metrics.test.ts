import { describe, expect, it } from 'vitest';
import { MetricsStore, percentile } from '../../local-cloud/cloudwatch/metrics.js';

const T0 = 1_700_000_000_000; // ms, on a minute boundary: 1_700_000_000 s = 28_333_333 min + 20 s

function store() {
  const m = new MetricsStore(3600, 1000, () => 0.5);
  const add = (sec: number, version: string, durationMs: number, error = false, resource = 'fn:live') =>
    m.record({ functionName: 'fn', resource, executedVersion: version, error, durationMs }, T0 + sec * 1000);
  return { m, add };
}

describe('percentile', () => {
  it('uses the nearest rank', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile(xs, 99)).toBe(99);
    expect(percentile(xs, 100)).toBe(100);
    expect(percentile([5], 99)).toBe(5);
    expect(percentile([3, 1, 2], 0)).toBe(1);
  });
});

describe('MetricsStore', () => {
  it('sums invocations and errors per ExecutedVersion and per period', () => {
    const { m, add } = store();
    for (let i = 0; i < 10; i++) add(0, '1', 2);
    for (let i = 0; i < 4; i++) add(1, '2', 4, i === 0);
    add(2, '1', 1, false, 'fn'); // unqualified call: Resource is the function name
    const start = T0 / 1000;
    const byVersion = (v: string, metric: 'Invocations' | 'Errors') =>
      m.query(
        metric,
        { FunctionName: 'fn', Resource: 'fn:live', ExecutedVersion: v },
        'Sum',
        60,
        start - 60,
        start + 60,
      );
    expect(byVersion('1', 'Invocations').values).toEqual([10]);
    expect(byVersion('2', 'Invocations').values).toEqual([4]);
    expect(byVersion('2', 'Errors').values).toEqual([1]);
    expect(byVersion('1', 'Errors').values).toEqual([0]);
    // Fewer dimensions aggregate the rest.
    expect(m.query('Invocations', { FunctionName: 'fn' }, 'Sum', 60, start - 60, start + 60).values).toEqual([
      15,
    ]);
    expect(m.query('Errors', { FunctionName: 'fn' }, 'Average', 60, start - 60, start + 60).values).toEqual([
      1 / 15,
    ]);
    // One-second periods keep the seconds apart.
    const perSecond = m.query('Invocations', { FunctionName: 'fn' }, 'Sum', 1, start, start + 3);
    expect(perSecond).toEqual({ timestamps: [start, start + 1, start + 2], values: [10, 4, 1] });
    // Outside the window or other functions: no datapoints at all.
    expect(
      m.query('Invocations', { FunctionName: 'fn' }, 'Sum', 1, start + 10, start + 20).timestamps,
    ).toEqual([]);
    expect(
      m.query('Invocations', { FunctionName: 'other' }, 'Sum', 60, start - 60, start + 60).values,
    ).toEqual([]);
  });

  it('computes Duration statistics', () => {
    const { m, add } = store();
    for (let i = 1; i <= 100; i++) add(0, '1', i);
    const q = (stat: string) =>
      m.query('Duration', { FunctionName: 'fn' }, stat, 60, T0 / 1000 - 60, T0 / 1000 + 60).values[0];
    expect(q('p99')).toBe(99);
    expect(q('p50')).toBe(50);
    expect(q('Average')).toBe(50.5);
    expect(q('Maximum')).toBe(100);
    expect(q('Minimum')).toBe(1);
    expect(q('SampleCount')).toBe(100);
    expect(() => q('Bogus')).toThrow(/Unsupported statistic/);
  });

  it('forgets datapoints older than the retention', () => {
    const m = new MetricsStore(10);
    m.record({ functionName: 'fn', resource: 'fn', executedVersion: '1', error: false, durationMs: 1 }, T0);
    m.record(
      { functionName: 'fn', resource: 'fn', executedVersion: '1', error: false, durationMs: 1 },
      T0 + 60_000,
    );
    const all = m.query('Invocations', {}, 'Sum', 1, 0, 2 ** 31);
    expect(all.timestamps).toEqual([T0 / 1000 + 60]);
  });
});
