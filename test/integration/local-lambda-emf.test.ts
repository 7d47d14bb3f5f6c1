import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CloudWatchClient, GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsEndpoint } from '../../local-cloud/aws-endpoint.js';
import { createCloudWatchService } from '../../local-cloud/cloudwatch/service.js';
import { createLambdaService, type LambdaService } from '../../local-cloud/lambda/index.js';
import { writeEchoBundle } from '../support/lambda/echo-bundle.js';

/**
 * What CloudWatch Logs does on AWS: EMF lines a function prints on stdout become custom metrics
 * that GetMetricData answers (the rollout gate's app-level evidence).
 */
const FN = 'echo-emf';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

function emf(version: string, sha: string, metrics: Record<string, number | number[]>): string {
  return JSON.stringify({
    _aws: {
      Timestamp: Date.now(),
      CloudWatchMetrics: [
        {
          Namespace: 'Hypermob',
          Dimensions: [['service', 'FunctionVersion', 'ModelSha256']],
          Metrics: Object.keys(metrics).map((Name) => ({ Name })),
        },
      ],
    },
    service: 'hypermob-recommend',
    FunctionVersion: version,
    ModelSha256: sha,
    ...metrics,
  });
}

describe('local Lambda: EMF lines become CloudWatch metrics', () => {
  let work: string;
  let svc: LambdaService;
  let server: Server;
  let cw: CloudWatchClient;

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'hm-lambda-emf-'));
    const cloudwatch = createCloudWatchService();
    svc = await createLambdaService({
      dataDir: path.join(work, 'data'),
      region: 'us-east-1',
      accountId: '000000000000',
      awsEndpoint: 'http://127.0.0.1:1',
      updateSettleMs: 50,
      cloudwatch,
    });
    server = createServer(awsEndpoint({ lambda: svc, cloudwatch }));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    cw = new CloudWatchClient({ endpoint, region: 'us-east-1', credentials });
    await svc.ensureFunction({
      name: FN,
      bundleDir: await writeEchoBundle(path.join(work, 'b'), 'emf'),
      environment: {},
      memoryMb: 128,
      timeoutSeconds: 5,
    });
  });
  afterAll(async () => {
    cw?.destroy();
    if (server) await new Promise((r) => server.close(r));
    await svc?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('answers Hypermob Errors, DegradedResponses and Latency by FunctionVersion', async () => {
    const version = await svc.publishVersion(FN);
    const print = (line: string) =>
      svc.invoke(FN, version, Buffer.from(JSON.stringify({ action: 'log', line })));
    await print(emf(version, 'sha-a', { Latency: [3, 5], Errors: 1 }));
    await print(emf(version, 'sha-fallback', { Latency: 7, Errors: 1, DegradedResponses: 1 }));
    await print(emf('other', 'sha-a', { Latency: 1, Errors: 9 }));
    await print('{"level":"INFO","message":"not a metric"}');

    const insights = (id: string, select: string): MetricDataQuery => ({
      Id: id,
      Expression: `SELECT ${select} FROM "Hypermob" WHERE FunctionVersion = '${version}'`,
      Period: 60,
    });
    const exact: MetricDataQuery = {
      Id: 'p99',
      MetricStat: {
        Metric: {
          Namespace: 'Hypermob',
          MetricName: 'Latency',
          Dimensions: [
            { Name: 'service', Value: 'hypermob-recommend' },
            { Name: 'FunctionVersion', Value: version },
            { Name: 'ModelSha256', Value: 'sha-a' },
          ],
        },
        Period: 60,
        Stat: 'p99',
      },
    };
    // One Metrics Insights query per GetMetricData call, as CloudWatch allows.
    const one = async (q: MetricDataQuery) => {
      const out = await cw.send(
        new GetMetricDataCommand({
          StartTime: new Date(Date.now() - 120_000),
          EndTime: new Date(Date.now() + 60_000),
          MetricDataQueries: [q],
        }),
      );
      return (out.MetricDataResults?.[0]?.Values ?? []).reduce((a, b) => a + b, 0);
    };
    const query = async () => ({
      err: await one(insights('err', 'SUM(Errors)')),
      deg: await one(insights('deg', 'SUM(DegradedResponses)')),
      n: await one(insights('n', 'COUNT(Latency)')),
      p99: await one(exact),
    });
    // stdout and the invoke's answer travel on different pipes: the lines may land just after.
    let seen = await query();
    for (let i = 0; i < 50 && seen.n < 3; i++) {
      await new Promise((r) => setTimeout(r, 50));
      seen = await query();
    }
    expect(seen).toEqual({ err: 2, deg: 1, n: 3, p99: 5 });
  });
});
