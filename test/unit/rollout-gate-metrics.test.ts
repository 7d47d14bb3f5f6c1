import { GetMetricDataCommand, type GetMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';
import { afterEach, describe, expect, it } from 'vitest';
import { appQueries, versionStats } from '../../functions/rollout/traffic/metrics.js';
import { type AwsClients, setClients } from '../../functions/shared/aws-clients.js';

afterEach(() => setClients({}));

const window = {
  functionName: 'hypermob-recommend',
  alias: 'live',
  since: new Date(120_500),
  until: new Date(179_000),
  periodSeconds: 60,
  appNamespace: 'Hypermob',
};

/** A CloudWatch that answers each query Id with the given values (and records the requests). */
function cloudwatch(values: Record<string, number[]>) {
  const requests: GetMetricDataCommandInput[] = [];
  setClients({
    cloudwatch: {
      send: async (cmd: unknown) => {
        if (!(cmd instanceof GetMetricDataCommand)) throw new Error('unexpected command');
        requests.push(cmd.input);
        rejectWhatAwsRejects(cmd.input);
        return {
          MetricDataResults: (cmd.input.MetricDataQueries ?? []).map((q) => ({
            Id: q.Id,
            Values: values[q.Id ?? ''] ?? [],
          })),
        };
      },
    } as unknown as AwsClients['cloudwatch'],
  });
  return requests;
}

/** GetMetricData's documented limits that the gate's requests must respect. */
function rejectWhatAwsRejects(input: GetMetricDataCommandInput) {
  const insights = (input.MetricDataQueries ?? []).filter((q) => /^\s*SELECT\b/i.test(q.Expression ?? ''));
  if (insights.length > 1)
    throw Object.assign(new Error('Maximum number of queries (1) exceeded'), { name: 'ValidationError' });
  const start = input.StartTime?.getTime() ?? 0;
  if (insights.length > 0 && (input.EndTime?.getTime() ?? 0) - start > 3 * 3600 * 1000)
    throw Object.assign(new Error('Metrics Insights queries can only look back 3 hours'), {
      name: 'ValidationError',
    });
}

describe('gate metrics: Lambda and the function’s own (EMF) metrics', () => {
  it('asks Metrics Insights for the version’s Errors, DegradedResponses and Latency count', () => {
    const qs = appQueries('c', '7', { ...window, appNamespace: 'My"Ns' });
    expect(qs.map((q) => [q.Id, q.Expression, q.Period])).toEqual([
      ['c_app_req', `SELECT COUNT(Latency) FROM "My\\"Ns" WHERE FunctionVersion = '7'`, 60],
      ['c_app_err', `SELECT SUM(Errors) FROM "My\\"Ns" WHERE FunctionVersion = '7'`, 60],
      ['c_app_deg', `SELECT SUM(DegradedResponses) FROM "My\\"Ns" WHERE FunctionVersion = '7'`, 60],
    ]);
  });

  it('sums the window’s periods into candidate and primary stats', async () => {
    const requests = cloudwatch({
      c_inv: [30, 20],
      c_err: [0, 1],
      c_p99: [40, 55],
      c_app_req: [30, 19],
      c_app_err: [4, 3],
      c_app_deg: [1],
      p_inv: [500],
      p_err: [0],
      p_p99: [35],
      p_app_req: [500],
    });
    const s = await versionStats({ candidate: '7', primary: '6' }, window);
    expect(s.candidate).toEqual({
      version: '7',
      invocations: 50,
      errors: 1,
      p99Ms: 55,
      app: { requests: 49, errors: 7, degraded: 1 },
    });
    expect(s.primary).toEqual({
      version: '6',
      invocations: 500,
      errors: 0,
      p99Ms: 35,
      app: { requests: 500, errors: 0, degraded: 0 },
    });
    // One request for Lambda's metrics, then one per Metrics Insights query (AWS allows one each).
    expect(requests).toHaveLength(7);
    expect(
      requests[0]?.MetricDataQueries?.every((q) => q.MetricStat?.Metric?.Namespace === 'AWS/Lambda'),
    ).toBe(true);
    expect(requests.slice(1).map((r) => r.MetricDataQueries?.map((q) => q.Id))).toEqual([
      ['c_app_req'],
      ['c_app_err'],
      ['c_app_deg'],
      ['p_app_req'],
      ['p_app_err'],
      ['p_app_deg'],
    ]);
    expect([requests[1]?.StartTime, requests[1]?.EndTime]).toEqual([new Date(120_000), new Date(180_000)]);
  });

  it('asks Metrics Insights for the last three hours only when a bake ran longer', async () => {
    const requests = cloudwatch({ c_app_req: [5] });
    const long = { ...window, since: new Date(0), until: new Date(5 * 3600 * 1000) };
    await versionStats({ candidate: '7', primary: '6' }, long);
    expect(requests[0]?.StartTime).toEqual(new Date(0));
    const insights = requests[1];
    expect((insights?.EndTime?.getTime() ?? 0) - (insights?.StartTime?.getTime() ?? 0)).toBe(3 * 3600 * 1000);
  });

  it('reports no app stats for a version that published none (older code): the Lambda metrics alone', async () => {
    cloudwatch({ c_inv: [40], c_err: [2], c_p99: [30], p_inv: [400], p_err: [0], p_p99: [30] });
    const s = await versionStats({ candidate: '7', primary: '6' }, window);
    expect(s.candidate.app).toBeNull();
    expect(s.primary.app).toBeNull();
    expect(s.candidate).toMatchObject({ invocations: 40, errors: 2 });
  });
});
