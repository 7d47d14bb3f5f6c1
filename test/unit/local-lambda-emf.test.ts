import { describe, expect, it } from 'vitest';
import { getMetricDataJson } from '../../local-cloud/cloudwatch/api.js';
import { AppMetricsStore } from '../../local-cloud/cloudwatch/app-metrics.js';
import { mayBeEmf, parseEmf } from '../../local-cloud/cloudwatch/emf.js';
import { parseInsights } from '../../local-cloud/cloudwatch/insights.js';
import { MetricsStore } from '../../local-cloud/cloudwatch/metrics.js';

const T0 = 1_700_000_000_000;

/** What Powertools Metrics prints for the recommend function (telemetry.ts). */
function powertoolsLine(version: string, sha: string, metrics: Record<string, number | number[]>, at = T0) {
  return JSON.stringify({
    _aws: {
      Timestamp: at,
      CloudWatchMetrics: [
        {
          Namespace: 'Hypermob',
          Dimensions: [['service', 'FunctionVersion', 'ModelSha256']],
          Metrics: Object.keys(metrics).map((Name) => ({ Name, Unit: 'Count' })),
        },
      ],
    },
    service: 'hypermob-recommend',
    FunctionVersion: version,
    ModelSha256: sha,
    ...metrics,
  });
}

describe('parseEmf', () => {
  it('extracts every metric once per dimension set, with array values', () => {
    const points = parseEmf(powertoolsLine('7', 'abc', { Latency: [3, 4, 5], Errors: 2 }));
    expect(points).toEqual([
      {
        namespace: 'Hypermob',
        metric: 'Latency',
        dimensions: { service: 'hypermob-recommend', FunctionVersion: '7', ModelSha256: 'abc' },
        values: [3, 4, 5],
        timestampMs: T0,
      },
      {
        namespace: 'Hypermob',
        metric: 'Errors',
        dimensions: { service: 'hypermob-recommend', FunctionVersion: '7', ModelSha256: 'abc' },
        values: [2],
        timestampMs: T0,
      },
    ]);
  });

  it('records under several dimension sets and without dimensions', () => {
    const line = JSON.stringify({
      _aws: {
        CloudWatchMetrics: [
          { Namespace: 'A', Dimensions: [['v'], ['v', 'm']], Metrics: [{ Name: 'X' }] },
          { Namespace: 'B', Dimensions: [], Metrics: [{ Name: 'X' }] },
        ],
      },
      v: '1',
      m: 'k',
      X: 1,
    });
    const points = parseEmf(line, 42);
    expect(points.map((p) => [p.namespace, p.dimensions, p.timestampMs])).toEqual([
      ['A', { v: '1' }, 42],
      ['A', { v: '1', m: 'k' }, 42],
      ['B', {}, 42],
    ]);
  });

  it('ignores plain logs, broken JSON and invalid members as CloudWatch Logs does', () => {
    expect(parseEmf('hello')).toEqual([]);
    expect(parseEmf('{"level":"INFO","message":"x"}')).toEqual([]);
    expect(parseEmf('{"_aws": {')).toEqual([]);
    expect(parseEmf('{"_aws":{"CloudWatchMetrics":"no"}}')).toEqual([]);
    const base = { Namespace: 'A', Dimensions: [['v']], Metrics: [{ Name: 'X' }] };
    // Dimension value missing or not a string: that dimension set is dropped.
    expect(parseEmf(JSON.stringify({ _aws: { CloudWatchMetrics: [base] }, v: 1, X: 1 }))).toEqual([]);
    // Metric value not numeric, or more than 100 values.
    expect(parseEmf(JSON.stringify({ _aws: { CloudWatchMetrics: [base] }, v: 'a', X: 'x' }))).toEqual([]);
    const many = Array.from({ length: 101 }, () => 1);
    expect(parseEmf(JSON.stringify({ _aws: { CloudWatchMetrics: [base] }, v: 'a', X: many }))).toEqual([]);
  });

  it('pre-filters on the "_aws" key before any JSON parse', () => {
    expect(mayBeEmf('{"_aws":{}}')).toBe(true);
    expect(mayBeEmf('{"a":1,"_aws":{}}')).toBe(true);
    expect(mayBeEmf('{"message":"_aws"}')).toBe(false);
    // A runtime prefix before the JSON (timestamp, request id) is tolerated.
    expect(
      parseEmf(`2026-01-01T00:00:00Z\tid\tINFO\t${powertoolsLine('1', 's', { Errors: 1 })}`),
    ).toHaveLength(1);
  });
});

describe('AppMetricsStore', () => {
  function store() {
    const s = new AppMetricsStore(3600, 1000, () => 0.5);
    const add = (sec: number, line: string) => {
      for (const p of parseEmf(line)) s.record({ ...p, timestampMs: T0 + sec * 1000 });
    };
    return { s, add };
  }
  const full = { service: 'hypermob-recommend', FunctionVersion: '7', ModelSha256: 'abc' };

  it('answers Sum, SampleCount, Average and p99 per period for an exact dimension set', () => {
    const { s, add } = store();
    add(0, powertoolsLine('7', 'abc', { Latency: [1, 2, 3], Errors: 1 }));
    add(1, powertoolsLine('7', 'abc', { Latency: [10] }));
    add(61, powertoolsLine('7', 'abc', { Latency: [100, 200] }));
    add(0, powertoolsLine('8', 'abc', { Latency: [1000] }));
    const q = (metric: string, stat: string, dimensions: Record<string, string> = full) =>
      s.query(
        { namespace: 'Hypermob', metric, dimensions, mode: 'exact' },
        stat,
        60,
        T0 / 1000 - 20,
        T0 / 1000 + 200,
      );
    expect(q('Latency', 'SampleCount')).toEqual({
      timestamps: [T0 / 1000 - 20, T0 / 1000 + 40],
      values: [4, 2],
    });
    expect(q('Latency', 'Sum').values).toEqual([16, 300]);
    expect(q('Latency', 'Average').values).toEqual([4, 150]);
    expect(q('Latency', 'p99').values).toEqual([10, 200]);
    expect(q('Errors', 'Sum').values).toEqual([1]);
    // As on AWS, a MetricStat naming only part of the dimension set matches nothing.
    expect(q('Errors', 'Sum', { FunctionVersion: '7' }).values).toEqual([]);
  });

  it('filters across dimension sets for Metrics Insights, optionally restricted to one SCHEMA', () => {
    const { s, add } = store();
    add(0, powertoolsLine('7', 'abc', { Errors: 2 }));
    add(0, powertoolsLine('7', 'fallback', { Errors: 1, DegradedResponses: 1 }));
    add(0, powertoolsLine('8', 'abc', { Errors: 5 }));
    const insights = (expr: string) => {
      const { match, stat } = parseInsights(expr);
      return s.query(match, stat, 3600, T0 / 1000 - 10, T0 / 1000 + 10).values;
    };
    expect(insights(`SELECT SUM(Errors) FROM "Hypermob" WHERE FunctionVersion = '7'`)).toEqual([3]);
    expect(
      insights(`SELECT COUNT(Errors) FROM Hypermob WHERE FunctionVersion = '7' AND ModelSha256 = 'abc'`),
    ).toEqual([1]);
    expect(insights(`SELECT SUM(DegradedResponses) FROM "Hypermob" WHERE FunctionVersion = '8'`)).toEqual([]);
    expect(
      insights(
        `SELECT MAX(Errors) FROM SCHEMA("Hypermob", FunctionVersion, ModelSha256, service) WHERE FunctionVersion = '8'`,
      ),
    ).toEqual([5]);
    expect(insights(`SELECT SUM(Errors) FROM SCHEMA("Hypermob", FunctionVersion)`)).toEqual([]);
  });
});

describe('parseInsights', () => {
  it('rejects what the local subset cannot answer', () => {
    expect(() => parseInsights('SELECT SUM(Errors) FROM "Hypermob" GROUP BY FunctionVersion')).toThrow(
      /WHERE|Unsupported/,
    );
    expect(() => parseInsights(`SELECT STDDEV(Errors) FROM "Hypermob"`)).toThrow(/STDDEV/);
    expect(() => parseInsights(`SELECT SUM(Errors) FROM "Hypermob" WHERE FunctionVersion != '1'`)).toThrow(
      /WHERE/,
    );
  });
});

describe('GetMetricData over custom namespaces', () => {
  it('answers MetricStat and Expression queries from the EMF store', () => {
    const app = new AppMetricsStore();
    for (const p of parseEmf(powertoolsLine('7', 'abc', { Latency: [1, 2], DegradedResponses: 2 })))
      app.record(p);
    const body = {
      StartTime: T0 / 1000 - 60,
      EndTime: T0 / 1000 + 60,
      MetricDataQueries: [
        {
          Id: 'stat',
          MetricStat: {
            Metric: {
              Namespace: 'Hypermob',
              MetricName: 'Latency',
              Dimensions: Object.entries({
                service: 'hypermob-recommend',
                FunctionVersion: '7',
                ModelSha256: 'abc',
              }).map(([Name, Value]) => ({ Name, Value })),
            },
            Period: 60,
            Stat: 'SampleCount',
          },
        },
        {
          Id: 'deg',
          Expression: `SELECT SUM(DegradedResponses) FROM "Hypermob" WHERE FunctionVersion = '7'`,
          Period: 60,
        },
      ],
    };
    const clock = { nowSec: T0 / 1000, visibleUntilSec: Number.POSITIVE_INFINITY };
    const out = getMetricDataJson(
      Buffer.from(JSON.stringify(body)),
      { lambda: new MetricsStore(), app },
      clock,
    );
    expect(out.status).toBe(200);
    const results = JSON.parse(out.body).MetricDataResults as { Id: string; Values: number[] }[];
    expect(results.map((r) => [r.Id, r.Values])).toEqual([
      ['stat', [2]],
      ['deg', [2]],
    ]);
    const bad = getMetricDataJson(
      Buffer.from(
        JSON.stringify({
          ...body,
          MetricDataQueries: [{ Id: 'x', Expression: 'SELECT SUM(Errors) FROM "Hypermob"' }],
        }),
      ),
      { lambda: new MetricsStore(), app },
      clock,
    );
    expect(bad.status).toBe(400);
  });
});
