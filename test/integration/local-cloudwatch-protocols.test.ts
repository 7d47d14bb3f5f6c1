import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudWatchClient, GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { awsEndpoint } from '../../local-cloud/aws-endpoint.js';
import { parseEmf } from '../../local-cloud/cloudwatch/emf.js';
import { createCloudWatchService } from '../../local-cloud/cloudwatch/service.js';
import { awsCli, itWithAwsCli } from '../support/aws-cli.js';

/**
 * The local CloudWatch answers GetMetricData in both protocols, from the same stores: JSON 1.0 for
 * the SDK, query (form body, XML answer) for the AWS CLI v1 — so an operator reads with the CLI
 * what the rollout gates read with the SDK — and refuses what CloudWatch refuses.
 */
const region = 'us-east-1';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const now = Math.floor(Date.now() / 1000);
const start = now - 120;
const end = now + 60;

const lambdaQuery: MetricDataQuery = {
  Id: 'inv',
  MetricStat: {
    Metric: {
      Namespace: 'AWS/Lambda',
      MetricName: 'Invocations',
      Dimensions: [
        { Name: 'FunctionName', Value: 'fn' },
        { Name: 'Resource', Value: 'fn:live' },
        { Name: 'ExecutedVersion', Value: '2' },
      ],
    },
    Period: 60,
    Stat: 'Sum',
  },
};
const select = (id: string, metric: string): MetricDataQuery => ({
  Id: id,
  Expression: `SELECT SUM(${metric}) FROM "Hypermob" WHERE FunctionVersion = '2'`,
  Period: 60,
});

describe('local CloudWatch: GetMetricData in the JSON and query protocols', () => {
  let server: Server;
  let target: { awsEndpoint: string; region: string };
  let cw: CloudWatchClient;

  beforeAll(async () => {
    const cloudwatch = createCloudWatchService();
    for (let i = 0; i < 7; i++) {
      cloudwatch.recordInvocation({
        functionName: 'fn',
        resource: 'fn:live',
        executedVersion: '2',
        error: i === 0,
        durationMs: 10,
      });
    }
    const emf = JSON.stringify({
      _aws: {
        Timestamp: Date.now(),
        CloudWatchMetrics: [
          { Namespace: 'Hypermob', Dimensions: [['FunctionVersion']], Metrics: [{ Name: 'Errors' }] },
        ],
      },
      FunctionVersion: '2',
      Errors: 3,
    });
    expect(parseEmf(emf)).toHaveLength(1);
    cloudwatch.functionOutput(emf);
    server = createServer(awsEndpoint({ cloudwatch }));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const awsEndpointUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    target = { awsEndpoint: awsEndpointUrl, region };
    cw = new CloudWatchClient({ endpoint: awsEndpointUrl, region, credentials });
  });
  afterAll(async () => {
    cw?.destroy();
    if (server) await new Promise((r) => server.close(r));
  });

  const cliQueries = (queries: MetricDataQuery[]) => [
    'cloudwatch',
    'get-metric-data',
    '--start-time',
    new Date(start * 1000).toISOString(),
    '--end-time',
    new Date(end * 1000).toISOString(),
    '--metric-data-queries',
    JSON.stringify(queries),
  ];

  itWithAwsCli('the CLI and the SDK read the same datapoints (MetricStat and Metrics Insights)', async () => {
    for (const queries of [[lambdaQuery, select('errs', 'Errors')]]) {
      const sdk = await cw.send(
        new GetMetricDataCommand({
          StartTime: new Date(start * 1000),
          EndTime: new Date(end * 1000),
          MetricDataQueries: queries,
        }),
      );
      const cli = await awsCli(target, cliQueries(queries));
      expect(cli.stderr).toBe('');
      expect(cli.code).toBe(0);
      const fromCli = (
        cli.json as { MetricDataResults: { Id: string; Values: number[]; Timestamps: (string | number)[] }[] }
      ).MetricDataResults;
      const fromSdk = sdk.MetricDataResults ?? [];
      expect(fromCli.map((r) => [r.Id, r.Values])).toEqual([
        ['inv', [7]],
        ['errs', [3]],
      ]);
      expect(fromSdk.map((r) => [r.Id, r.Values])).toEqual(fromCli.map((r) => [r.Id, r.Values]));
      // v1 prints timestamps as epoch seconds, v2 as ISO 8601.
      const ms = (t: string | number) => (typeof t === 'number' ? t * 1000 : Date.parse(t));
      expect(fromCli.map((r) => r.Timestamps.map(ms))).toEqual(
        fromSdk.map((r) => (r.Timestamps ?? []).map((t) => t.getTime())),
      );
    }
  });

  itWithAwsCli(
    'two Metrics Insights queries in one request: ValidationError, through the CLI and the SDK',
    async () => {
      const two = [select('a', 'Errors'), select('b', 'DegradedResponses')];
      const cli = await awsCli(target, cliQueries(two));
      expect(cli.code).not.toBe(0);
      expect(cli.stderr).toMatch(/\(ValidationError\).*Maximum number of queries \(1\) exceeded/);
      await expect(
        cw.send(
          new GetMetricDataCommand({
            StartTime: new Date(start * 1000),
            EndTime: new Date(end * 1000),
            MetricDataQueries: two,
          }),
        ),
      ).rejects.toMatchObject({
        name: 'ValidationException',
        message: 'Maximum number of queries (1) exceeded',
      });
    },
  );

  itWithAwsCli('an action CloudWatch has but the local cloud does not serve is refused by name', async () => {
    const cli = await awsCli(target, ['cloudwatch', 'list-dashboards']);
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toMatch(/UnknownOperationException.*ListDashboards/);
  });
});
