import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateAliasCommand,
  DeleteAliasCommand,
  GetAliasCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  LambdaClient,
  ListAliasesCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsEndpoint } from '../../local-cloud/aws-endpoint.js';
import { createCloudWatchService } from '../../local-cloud/cloudwatch/service.js';
import { createLambdaService, type LambdaService } from '../../local-cloud/lambda/index.js';
import { awsCli, itWithAwsCli } from '../support/aws-cli.js';
import { type EchoResult, writeEchoBundle } from '../support/lambda/echo-bundle.js';

const FN = 'echo-api';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

/** The service (and the CloudWatch it feeds) behind a plain HTTP server on a free port, as the local cloud mounts them. */
async function startServer(
  dataDir: string,
): Promise<{ svc: LambdaService; server: Server; endpoint: string }> {
  const cloudwatch = createCloudWatchService();
  const svc = await createLambdaService({
    dataDir,
    region: 'us-east-1',
    accountId: '000000000000',
    awsEndpoint: 'http://127.0.0.1:1',
    // Long enough that the calls made while the update is in progress (a cold invoke among them)
    // finish inside it even on a loaded machine; the test then polls until it has settled.
    updateSettleMs: 3000,
    cloudwatch,
  });
  const server = createServer(awsEndpoint({ lambda: svc, cloudwatch }));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { svc, server, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function stopServer(s: { svc: LambdaService; server: Server }): Promise<void> {
  await new Promise((r) => s.server.close(r));
  await s.svc.close();
}

async function rejection(p: Promise<unknown>): Promise<{ name: string; status?: number; message: string }> {
  try {
    await p;
  } catch (err) {
    const e = err as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode, message: e.message };
  }
  throw new Error('expected a rejection');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('local Lambda API through the AWS SDK and CLI', () => {
  let work: string;
  let dataDir: string;
  let bundleV1: string;
  let bundleV2: string;
  let s: { svc: LambdaService; server: Server; endpoint: string };
  let lambda: LambdaClient;
  let codeV1: string;

  const decode = (p: Uint8Array | undefined) =>
    JSON.parse(Buffer.from(p ?? []).toString('utf8')) as EchoResult;
  const cli = async (args: string[]) => {
    const r = await awsCli({ awsEndpoint: s.endpoint, region: 'us-east-1' }, args);
    expect(r.code, r.stderr).toBe(0);
    return r.json as Record<string, unknown>;
  };

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'hm-lambda-api-'));
    dataDir = path.join(work, 'data');
    bundleV1 = await writeEchoBundle(path.join(work, 'b1'), 'code-1');
    bundleV2 = await writeEchoBundle(path.join(work, 'b2'), 'code-2');
    s = await startServer(dataDir);
    await s.svc.ensureFunction({
      name: FN,
      bundleDir: bundleV1,
      environment: { STAGE: 'one' },
      memoryMb: 256,
      timeoutSeconds: 5,
    });
    lambda = new LambdaClient({ endpoint: s.endpoint, region: 'us-east-1', credentials });
  });
  afterAll(async () => {
    lambda?.destroy();
    if (s) await stopServer(s);
    await rm(work, { recursive: true, force: true });
  });

  it('describes $LATEST and answers 404 for unknown functions and qualifiers', async () => {
    const fn = await lambda.send(new GetFunctionCommand({ FunctionName: FN }));
    expect(fn.Configuration).toMatchObject({
      FunctionName: FN,
      FunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${FN}`,
      Version: '$LATEST',
      MemorySize: 256,
      Timeout: 5,
      Handler: 'index.handler',
      Runtime: 'nodejs22.x',
      Environment: { Variables: { STAGE: 'one' } },
      LastUpdateStatus: 'Successful',
      State: 'Active',
    });
    codeV1 = fn.Configuration?.CodeSha256 as string;
    expect(Buffer.from(codeV1, 'base64')).toHaveLength(32);
    expect(await rejection(lambda.send(new GetFunctionCommand({ FunctionName: 'nope' })))).toMatchObject({
      name: 'ResourceNotFoundException',
      status: 404,
    });
    expect(
      await rejection(lambda.send(new GetFunctionConfigurationCommand({ FunctionName: FN, Qualifier: '7' }))),
    ).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
  });

  it('publishes immutable versions with RevisionId and CodeSha256 preconditions', async () => {
    const latest = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: FN }));
    expect(
      await rejection(lambda.send(new PublishVersionCommand({ FunctionName: FN, RevisionId: 'stale' }))),
    ).toMatchObject({ name: 'PreconditionFailedException', status: 412 });
    expect(
      await rejection(lambda.send(new PublishVersionCommand({ FunctionName: FN, CodeSha256: 'AAAA' }))),
    ).toMatchObject({ name: 'PreconditionFailedException', status: 412 });
    const v1 = await lambda.send(
      new PublishVersionCommand({ FunctionName: FN, RevisionId: latest.RevisionId, CodeSha256: codeV1 }),
    );
    expect(v1).toMatchObject({
      Version: '1',
      FunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${FN}:1`,
    });
    // Nothing changed since version 1: Lambda returns it instead of a new version.
    expect((await lambda.send(new PublishVersionCommand({ FunctionName: FN }))).Version).toBe('1');

    // Configuration update: InProgress for a while, during which updates and publishing conflict.
    const upd = await lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: FN,
        Environment: { Variables: { STAGE: 'two' } },
      }),
    );
    expect(upd.LastUpdateStatus).toBe('InProgress');
    // As on Lambda, calls keep running the previous configuration until the update completes.
    expect(decode((await lambda.send(new InvokeCommand({ FunctionName: FN }))).Payload).env.STAGE).toBe(
      'one',
    );
    expect(upd.RevisionId).not.toBe(latest.RevisionId);
    expect(await rejection(lambda.send(new PublishVersionCommand({ FunctionName: FN })))).toMatchObject({
      name: 'ResourceConflictException',
      status: 409,
    });
    expect(
      await rejection(lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: FN, Timeout: 6 }))),
    ).toMatchObject({ name: 'ResourceConflictException', status: 409 });
    let status = upd.LastUpdateStatus;
    for (const deadline = Date.now() + 10_000; status === 'InProgress' && Date.now() < deadline; ) {
      await sleep(100);
      status = (await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: FN })))
        .LastUpdateStatus;
    }
    expect(status).toBe('Successful');
    expect(decode((await lambda.send(new InvokeCommand({ FunctionName: FN }))).Payload).env.STAGE).toBe(
      'two',
    );
    // New code through the local deploy path, then version 2.
    await s.svc.ensureFunction({
      name: FN,
      bundleDir: bundleV2,
      environment: { STAGE: 'two' },
      memoryMb: 256,
      timeoutSeconds: 5,
    });
    const v2 = await lambda.send(new PublishVersionCommand({ FunctionName: FN, Description: 'second' }));
    expect(v2.Version).toBe('2');
    expect(v2.CodeSha256).not.toBe(codeV1);

    const v1Again = await lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: FN, Qualifier: '1' }),
    );
    expect(v1Again).toMatchObject({
      Version: '1',
      CodeSha256: codeV1,
      Environment: { Variables: { STAGE: 'one' } },
    });
    const versions = await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: FN }));
    expect(versions.Versions?.map((v) => v.Version)).toEqual(['$LATEST', '1', '2']);
    expect(
      await rejection(
        lambda.send(
          new UpdateFunctionConfigurationCommand({
            FunctionName: FN,
            Environment: { Variables: { AWS_REGION: 'x' } },
          }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidParameterValueException', status: 400 });
  });

  it('validates alias routing as Lambda does and honours RevisionId', async () => {
    const bad: Record<string, number>[] = [
      { '1': 0.1, '2': 0.1 },
      { $LATEST: 0.1 },
      { '1': 0.5 },
      { '2': 1.5 },
      { '2': -0.1 },
    ];
    for (const weights of bad) {
      expect(
        await rejection(
          lambda.send(
            new CreateAliasCommand({
              FunctionName: FN,
              Name: 'live',
              FunctionVersion: '1',
              RoutingConfig: { AdditionalVersionWeights: weights },
            }),
          ),
        ),
      ).toMatchObject({ name: 'InvalidParameterValueException', status: 400 });
    }
    expect(
      await rejection(
        lambda.send(new CreateAliasCommand({ FunctionName: FN, Name: 'live', FunctionVersion: '9' })),
      ),
    ).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });

    const live = await lambda.send(
      new CreateAliasCommand({ FunctionName: FN, Name: 'live', FunctionVersion: '1' }),
    );
    expect(live).toMatchObject({
      Name: 'live',
      FunctionVersion: '1',
      AliasArn: expect.stringMatching(/:function:echo-api:live$/),
    });
    expect(live.RoutingConfig).toBeUndefined();
    expect(
      await rejection(
        lambda.send(new CreateAliasCommand({ FunctionName: FN, Name: 'live', FunctionVersion: '1' })),
      ),
    ).toMatchObject({ name: 'ResourceConflictException', status: 409 });
    expect(
      await rejection(
        lambda.send(
          new UpdateAliasCommand({
            FunctionName: FN,
            Name: 'live',
            RevisionId: 'stale',
            RoutingConfig: { AdditionalVersionWeights: { '2': 0.2 } },
          }),
        ),
      ),
    ).toMatchObject({ name: 'PreconditionFailedException', status: 412 });
    const shifted = await lambda.send(
      new UpdateAliasCommand({
        FunctionName: FN,
        Name: 'live',
        RevisionId: live.RevisionId,
        RoutingConfig: { AdditionalVersionWeights: { '2': 0.2 } },
      }),
    );
    expect(shifted.RoutingConfig?.AdditionalVersionWeights).toEqual({ '2': 0.2 });
    expect(shifted.RevisionId).not.toBe(live.RevisionId);
    // Updating without RoutingConfig keeps it.
    const described = await lambda.send(
      new UpdateAliasCommand({ FunctionName: FN, Name: 'live', Description: 'canary' }),
    );
    expect(described.RoutingConfig?.AdditionalVersionWeights).toEqual({ '2': 0.2 });

    await lambda.send(new CreateAliasCommand({ FunctionName: FN, Name: 'tmp', FunctionVersion: '$LATEST' }));
    const aliases = await lambda.send(new ListAliasesCommand({ FunctionName: FN }));
    expect(aliases.Aliases?.map((a) => a.Name).sort()).toEqual(['live', 'tmp']);
    await lambda.send(new DeleteAliasCommand({ FunctionName: FN, Name: 'tmp' }));
    expect(
      await rejection(lambda.send(new GetAliasCommand({ FunctionName: FN, Name: 'tmp' }))),
    ).toMatchObject({
      name: 'ResourceNotFoundException',
      status: 404,
    });
  });

  it('invokes versions, aliases and $LATEST, routing alias calls by weight', async () => {
    const byVersion = await lambda.send(
      new InvokeCommand({ FunctionName: FN, Qualifier: '1', Payload: '{"n":1}' }),
    );
    expect(byVersion).toMatchObject({ StatusCode: 200, ExecutedVersion: '1' });
    expect(decode(byVersion.Payload)).toMatchObject({
      marker: 'code-1',
      env: { STAGE: 'one' },
      event: { n: 1 },
    });
    const byArn = await lambda.send(
      new InvokeCommand({ FunctionName: `arn:aws:lambda:us-east-1:000000000000:function:${FN}:2` }),
    );
    expect(byArn.ExecutedVersion).toBe('2');
    expect(decode(byArn.Payload).context.invokedFunctionArn).toBe(
      `arn:aws:lambda:us-east-1:000000000000:function:${FN}:2`,
    );
    expect((await lambda.send(new InvokeCommand({ FunctionName: FN }))).ExecutedVersion).toBe('$LATEST');
    expect(
      (await lambda.send(new InvokeCommand({ FunctionName: FN, InvocationType: 'Event' }))).StatusCode,
    ).toBe(202);
    expect(
      (await lambda.send(new InvokeCommand({ FunctionName: FN, InvocationType: 'DryRun' }))).StatusCode,
    ).toBe(204);
    expect(
      await rejection(lambda.send(new InvokeCommand({ FunctionName: `${FN}:live`, Qualifier: '1' }))),
    ).toMatchObject({ name: 'InvalidParameterValueException', status: 400 });

    const failed = await lambda.send(
      new InvokeCommand({ FunctionName: FN, Qualifier: '1', Payload: '{"action":"throw","message":"boom"}' }),
    );
    expect(failed.FunctionError).toBe('Unhandled');
    expect(JSON.parse(Buffer.from(failed.Payload ?? []).toString())).toMatchObject({
      errorType: 'FixtureError',
      errorMessage: 'boom',
      trace: expect.arrayContaining([expect.stringContaining('FixtureError: boom')]),
    });
    expect(
      await rejection(lambda.send(new InvokeCommand({ FunctionName: FN, Payload: 'not json' }))),
    ).toMatchObject({
      name: 'InvalidRequestContentException',
      status: 400,
    });

    // 2000 calls at weight 0.2: the count of version 2 is Binomial(2000, 0.2), mean 400, sd ≈ 17.9.
    const counts: Record<string, number> = {};
    const payload = Buffer.from('{}');
    for (let i = 0; i < 2000; i++) {
      const r = await s.svc.invoke(FN, 'live', payload);
      counts[r.executedVersion] = (counts[r.executedVersion] ?? 0) + 1;
    }
    expect((counts['1'] ?? 0) + (counts['2'] ?? 0)).toBe(2000);
    expect(counts['2']).toBeGreaterThan(400 - 5 * 18);
    expect(counts['2']).toBeLessThan(400 + 5 * 18);

    // CloudWatch's view of the same calls, by ExecutedVersion, through the CloudWatch SDK.
    const cw = new CloudWatchClient({ endpoint: s.endpoint, region: 'us-east-1', credentials });
    const now = Date.now();
    const query = (id: string, metric: string, stat: string, version: string) => ({
      Id: id,
      MetricStat: {
        Metric: {
          Namespace: 'AWS/Lambda',
          MetricName: metric,
          Dimensions: [
            { Name: 'FunctionName', Value: FN },
            { Name: 'Resource', Value: `${FN}:live` },
            { Name: 'ExecutedVersion', Value: version },
          ],
        },
        Period: 3600,
        Stat: stat,
      },
    });
    const data = await cw.send(
      new GetMetricDataCommand({
        StartTime: new Date(now - 3_600_000),
        EndTime: new Date(now + 60_000),
        MetricDataQueries: [
          query('inv1', 'Invocations', 'Sum', '1'),
          query('inv2', 'Invocations', 'Sum', '2'),
          query('err2', 'Errors', 'Sum', '2'),
          query('p99', 'Duration', 'p99', '2'),
        ],
      }),
    );
    cw.destroy();
    const sum = (id: string) =>
      (data.MetricDataResults?.find((r) => r.Id === id)?.Values ?? []).reduce((a, b) => a + b, 0);
    expect(sum('inv1')).toBe(counts['1']);
    expect(sum('inv2')).toBe(counts['2']);
    expect(sum('err2')).toBe(0);
    expect(sum('p99')).toBeGreaterThan(0);
    const ts = data.MetricDataResults?.find((r) => r.Id === 'inv1')?.Timestamps?.[0];
    expect(ts).toBeInstanceOf(Date);
    expect(Math.abs((ts as Date).getTime() - now)).toBeLessThan(3_700_000);
  });

  itWithAwsCli('answers the AWS CLI', async () => {
    const alias = await cli(['lambda', 'get-alias', '--function-name', FN, '--name', 'live']);
    expect(alias).toMatchObject({
      Name: 'live',
      FunctionVersion: '1',
      RoutingConfig: { AdditionalVersionWeights: { '2': 0.2 } },
    });
    const versions = await cli(['lambda', 'list-versions-by-function', '--function-name', FN]);
    expect((versions.Versions as { Version: string }[]).map((v) => v.Version)).toEqual(['$LATEST', '1', '2']);
    const conf = await cli([
      'lambda',
      'get-function-configuration',
      '--function-name',
      FN,
      '--qualifier',
      '2',
    ]);
    expect(conf).toMatchObject({ Version: '2', Description: 'second' });
    const outFile = path.join(work, 'out.json');
    const inv = await cli([
      'lambda',
      'invoke',
      '--function-name',
      FN,
      '--qualifier',
      '1',
      '--payload',
      '{"from":"cli"}',
      outFile,
    ]);
    expect(inv).toMatchObject({ StatusCode: 200, ExecutedVersion: '1' });
    expect(JSON.parse(await readFile(outFile, 'utf8'))).toMatchObject({ event: { from: 'cli' } });
  });

  it('keeps functions, versions and aliases across a restart', async () => {
    await stopServer(s);
    s = await startServer(dataDir);
    lambda.destroy();
    lambda = new LambdaClient({ endpoint: s.endpoint, region: 'us-east-1', credentials });
    const alias = await lambda.send(new GetAliasCommand({ FunctionName: FN, Name: 'live' }));
    expect(alias).toMatchObject({
      FunctionVersion: '1',
      RoutingConfig: { AdditionalVersionWeights: { '2': 0.2 } },
    });
    const versions = await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: FN }));
    expect(versions.Versions?.map((v) => v.Version)).toEqual(['$LATEST', '1', '2']);
    const r = await lambda.send(new InvokeCommand({ FunctionName: FN, Qualifier: '1' }));
    expect(decode(r.Payload)).toMatchObject({ marker: 'code-1', env: { STAGE: 'one' } });
    expect((await lambda.send(new PublishVersionCommand({ FunctionName: FN }))).Version).toBe('2');
  });
});
