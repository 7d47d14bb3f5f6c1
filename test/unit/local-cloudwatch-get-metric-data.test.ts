import { describe, expect, it } from 'vitest';
import { AppMetricsStore } from '../../local-cloud/cloudwatch/app-metrics.js';
import {
  CloudWatchError,
  getMetricData,
  INSIGHTS_MAX_AGE_SECONDS,
  MAX_QUERIES,
} from '../../local-cloud/cloudwatch/get-metric-data.js';
import { MetricsStore } from '../../local-cloud/cloudwatch/metrics.js';
import { metricDataInputFromForm } from '../../local-cloud/cloudwatch/query-api.js';
import { decodeQueryForm, queryErrorXml, toXml } from '../../local-cloud/cloudwatch/query-protocol.js';

const NOW = 1_700_000_000;
const clock = { nowSec: NOW, visibleUntilSec: Number.POSITIVE_INFINITY };
const stores = () => ({ lambda: new MetricsStore(), app: new AppMetricsStore() });
const stat = (id: string) => ({
  Id: id,
  MetricStat: { Metric: { Namespace: 'AWS/Lambda', MetricName: 'Invocations' }, Period: 60, Stat: 'Sum' },
});
const select = (id: string) => ({ Id: id, Expression: `SELECT SUM(Errors) FROM "Hypermob"`, Period: 60 });
const run = (queries: unknown[], start = NOW - 600, end = NOW, s = stores()) =>
  getMetricData({ StartTime: start, EndTime: end, MetricDataQueries: queries }, s, clock);
const refusal = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(CloudWatchError);
    return { code: (err as CloudWatchError).code, message: (err as Error).message };
  }
  throw new Error('not refused');
};

describe('GetMetricData limits', () => {
  it('takes one Metrics Insights query per request, with any number of MetricStat queries', () => {
    expect(run([select('a'), stat('b'), stat('c')])).toHaveLength(3);
    expect(refusal(() => run([select('a'), select('b')]))).toEqual({
      code: 'ValidationError',
      message: 'Maximum number of queries (1) exceeded',
    });
  });

  it(`takes at most ${MAX_QUERIES} queries`, () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => stat(`q${i}`));
    expect(run(many(MAX_QUERIES))).toHaveLength(MAX_QUERIES);
    expect(refusal(() => run(many(MAX_QUERIES + 1)))).toMatchObject({
      code: 'ValidationError',
      message: expect.stringMatching(/less than or equal to 500/),
    });
  });

  it('Metrics Insights reaches back two weeks; MetricStat further', () => {
    const tooOld = NOW - INSIGHTS_MAX_AGE_SECONDS - 60;
    expect(run([select('a')], NOW - INSIGHTS_MAX_AGE_SECONDS + 60)).toHaveLength(1);
    expect(refusal(() => run([select('a')], tooOld))).toMatchObject({ code: 'ValidationError' });
    expect(run([stat('a')], tooOld)).toHaveLength(1);
  });

  it('refuses an empty or reversed range, duplicate ids and bad ids', () => {
    expect(refusal(() => run([stat('a')], NOW, NOW))).toMatchObject({ code: 'InvalidParameterValue' });
    expect(refusal(() => run([stat('a'), stat('a')]))).toMatchObject({ code: 'ValidationError' });
    expect(refusal(() => run([stat('Upper')]))).toMatchObject({ code: 'ValidationError' });
    expect(refusal(() => run([]))).toMatchObject({ code: 'ValidationError' });
  });

  it('hides datapoints that are not visible yet (the metric delay)', () => {
    const s = stores();
    const record = (atSec: number) =>
      s.lambda.record(
        { functionName: 'f', resource: 'f', executedVersion: '1', error: false, durationMs: 1 },
        atSec * 1000,
      );
    record(NOW - 30);
    record(NOW - 2);
    const q = [{ ...stat('a'), MetricStat: { ...stat('a').MetricStat, Period: 1 } }];
    const input = { StartTime: NOW - 60, EndTime: NOW + 1, MetricDataQueries: q };
    expect(getMetricData(input, s, clock)[0]?.Values).toEqual([1, 1]);
    expect(getMetricData(input, s, { nowSec: NOW, visibleUntilSec: NOW - 10 })[0]?.Values).toEqual([1]);
  });
});

describe('query protocol', () => {
  it('decodes member lists and structures into the JSON input', () => {
    const form = new URLSearchParams({
      Action: 'GetMetricData',
      Version: '2010-08-01',
      StartTime: '2023-11-14T22:13:20Z',
      EndTime: '2023-11-14T22:23:20.000Z',
      'MetricDataQueries.member.1.Id': 'inv',
      'MetricDataQueries.member.1.MetricStat.Metric.Namespace': 'AWS/Lambda',
      'MetricDataQueries.member.1.MetricStat.Metric.MetricName': 'Invocations',
      'MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Name': 'FunctionName',
      'MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Value': 'fn',
      'MetricDataQueries.member.1.MetricStat.Period': '60',
      'MetricDataQueries.member.1.MetricStat.Stat': 'Sum',
      'MetricDataQueries.member.2.Id': 'q',
      'MetricDataQueries.member.2.Expression': 'SELECT SUM(Errors) FROM "Hypermob"',
      'MetricDataQueries.member.2.Period': '60',
      'MetricDataQueries.member.2.ReturnData': 'false',
    });
    expect(metricDataInputFromForm(decodeQueryForm(form))).toEqual({
      StartTime: 1_700_000_000,
      EndTime: 1_700_000_600,
      MetricDataQueries: [
        {
          Id: 'inv',
          MetricStat: {
            Metric: {
              Namespace: 'AWS/Lambda',
              MetricName: 'Invocations',
              Dimensions: [{ Name: 'FunctionName', Value: 'fn' }],
            },
            Period: 60,
            Stat: 'Sum',
          },
        },
        { Id: 'q', Expression: 'SELECT SUM(Errors) FROM "Hypermob"', Period: 60, ReturnData: false },
      ],
      Action: 'GetMetricData',
      Version: '2010-08-01',
    });
  });

  it('writes lists as <member> elements and escapes text', () => {
    expect(toXml('R', { Ids: ['a', 'b<'], N: 1 })).toBe(
      '<R><Ids><member>a</member><member>b&lt;</member></Ids><N>1</N></R>',
    );
    expect(queryErrorXml('ns', 'ValidationError', 'x & y', 'id')).toContain(
      '<Error><Type>Sender</Type><Code>ValidationError</Code><Message>x &amp; y</Message></Error>',
    );
  });
});
