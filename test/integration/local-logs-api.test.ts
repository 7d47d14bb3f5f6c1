import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsEndpoint } from '../../local-cloud/aws-endpoint.js';
import { createLambdaService, type LambdaService } from '../../local-cloud/lambda/index.js';
import { createLogsService } from '../../local-cloud/logs/service.js';
import { awsCli, itWithAwsCli } from '../support/aws-cli.js';
import { writeEchoBundle } from '../support/lambda/echo-bundle.js';

/**
 * CloudWatch Logs over the functions' output: `/aws/lambda/<function>`, one stream per execution
 * environment (`YYYY/MM/DD/[version]<hex>`, also in AWS_LAMBDA_LOG_STREAM_NAME), START/END/REPORT
 * included — read with the AWS CLI v1 (`describe-log-groups`, `describe-log-streams`,
 * `filter-log-events`, `get-log-events`) and with JSON 1.1 requests as the SDK sends them
 * (FilterLogEvents with startTime, the call `aws logs tail --follow` repeats).
 */
const FN = 'echo-logs';
const GROUP = `/aws/lambda/${FN}`;
const region = 'us-east-1';

describe('local CloudWatch Logs: function logs through the Logs API', () => {
  let work: string;
  let svc: LambdaService;
  let server: Server;
  let target: { awsEndpoint: string; region: string };
  let streamOfCall: string;
  const started = Date.now();

  const logs = async (operation: string, body: unknown) => {
    const res = await fetch(target.awsEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `Logs_20140328.${operation}` },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'hm-logs-'));
    const logsService = createLogsService({ region, accountId: '000000000000' });
    svc = await createLambdaService({
      dataDir: path.join(work, 'data'),
      region,
      accountId: '000000000000',
      awsEndpoint: 'http://127.0.0.1:1',
      logs: logsService,
    });
    server = createServer(awsEndpoint({ lambda: svc, logs: logsService }));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    target = { awsEndpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, region };
    await svc.ensureFunction({
      name: FN,
      bundleDir: await writeEchoBundle(path.join(work, 'b'), 'logs'),
      environment: {},
      memoryMb: 128,
      timeoutSeconds: 5,
    });
    const out = await svc.invoke(
      FN,
      undefined,
      Buffer.from(JSON.stringify({ action: 'log', line: 'hello logs' })),
    );
    streamOfCall = (JSON.parse(out.payload.toString()) as { env: Record<string, string> }).env
      .AWS_LAMBDA_LOG_STREAM_NAME as string;
    await svc.invoke(FN, undefined, Buffer.from(JSON.stringify({ action: 'log', line: 'second call' })));
    // stdout travels on its own pipe: wait until the second line has arrived.
    for (let i = 0; i < 100; i++) {
      const r = await logs('FilterLogEvents', { logGroupName: GROUP, filterPattern: '"second call"' });
      if ((r.json.events as unknown[]).length > 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
  });
  afterAll(async () => {
    if (server) await new Promise((r) => server.close(r));
    await svc?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('names the stream like Lambda and tells the function its name', () => {
    expect(streamOfCall).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
  });

  it('FilterLogEvents as `aws logs tail` calls it: startTime, interleaved, then from the last timestamp', async () => {
    const first = await logs('FilterLogEvents', {
      logGroupIdentifier: GROUP,
      startTime: started - 1000,
      interleaved: true,
    });
    expect(first.status).toBe(200);
    const events = first.json.events as {
      message: string;
      logStreamName: string;
      timestamp: number;
      eventId: string;
    }[];
    const messages = events.map((e) => e.message);
    expect(messages.filter((m) => m.startsWith('START RequestId:'))).toHaveLength(2);
    expect(messages).toContain('hello logs');
    expect(messages).toContain('to stderr');
    expect(messages.filter((m) => m.startsWith('REPORT RequestId:'))).toHaveLength(2);
    expect(new Set(events.map((e) => e.logStreamName))).toEqual(new Set([streamOfCall]));
    expect(events.map((e) => e.timestamp)).toEqual([...events.map((e) => e.timestamp)].sort((a, b) => a - b));
    // A later poll from the newest timestamp sees nothing older; a new call shows up.
    const newest = events.at(-1)?.timestamp ?? 0;
    await svc.invoke(FN, undefined, Buffer.from(JSON.stringify({ action: 'log', line: 'third call' })));
    let later: string[] = [];
    for (let i = 0; i < 100 && !later.includes('third call'); i++) {
      const r = await logs('FilterLogEvents', {
        logGroupIdentifier: GROUP,
        startTime: newest + 1,
        interleaved: true,
      });
      later = (r.json.events as { message: string }[]).map((e) => e.message);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(later).toContain('third call');
    expect(later).not.toContain('hello logs');
  });

  it('pages with nextToken and refuses what AWS refuses', async () => {
    const page1 = await logs('FilterLogEvents', { logGroupName: GROUP, limit: 2 });
    expect((page1.json.events as unknown[]).length).toBe(2);
    const page2 = await logs('FilterLogEvents', {
      logGroupName: GROUP,
      limit: 2,
      nextToken: page1.json.nextToken,
    });
    expect((page2.json.events as { eventId: string }[])[0]?.eventId).not.toBe(
      (page1.json.events as { eventId: string }[])[1]?.eventId,
    );
    expect(await logs('FilterLogEvents', { logGroupName: '/aws/lambda/nope' })).toEqual({
      status: 400,
      json: { __type: 'ResourceNotFoundException', message: 'The specified log group does not exist.' },
    });
    const both = await logs('FilterLogEvents', { logGroupName: GROUP, logGroupIdentifier: GROUP });
    expect(both.json.__type).toBe('InvalidParameterException');
    const names = await logs('FilterLogEvents', {
      logGroupName: GROUP,
      logStreamNames: ['a'],
      logStreamNamePrefix: 'a',
    });
    expect(names.json.__type).toBe('InvalidParameterException');
    expect((await logs('FilterLogEvents', { logGroupName: GROUP, limit: 10_001 })).json.__type).toBe(
      'InvalidParameterException',
    );
    expect((await logs('DescribeLogStreams', { logGroupName: GROUP, limit: 51 })).json.__type).toBe(
      'InvalidParameterException',
    );
  });

  itWithAwsCli('the AWS CLI lists the group and its stream and reads the events', async () => {
    const groups = await awsCli(target, [
      'logs',
      'describe-log-groups',
      '--log-group-name-prefix',
      '/aws/lambda/',
    ]);
    expect(groups.stderr).toBe('');
    expect(
      (groups.json as { logGroups: { logGroupName: string }[] }).logGroups.map((g) => g.logGroupName),
    ).toEqual([GROUP]);
    const streams = await awsCli(target, [
      'logs',
      'describe-log-streams',
      '--log-group-name',
      GROUP,
      '--order-by',
      'LastEventTime',
      '--descending',
    ]);
    expect((streams.json as { logStreams: { logStreamName: string }[] }).logStreams[0]?.logStreamName).toBe(
      streamOfCall,
    );
    const filtered = await awsCli(target, [
      'logs',
      'filter-log-events',
      '--log-group-name',
      GROUP,
      '--filter-pattern',
      'hello',
    ]);
    expect(filtered.stderr).toBe('');
    expect((filtered.json as { events: { message: string }[] }).events.map((e) => e.message)).toEqual([
      'hello logs',
    ]);
    const stream = await awsCli(target, [
      'logs',
      'get-log-events',
      '--log-group-name',
      GROUP,
      '--log-stream-name',
      streamOfCall,
      '--start-from-head',
      '--limit',
      '3',
    ]);
    const got = stream.json as { events: { message: string }[]; nextForwardToken: string };
    expect(got.events[0]?.message).toMatch(/^START RequestId: /);
    expect(got.events).toHaveLength(3);
    expect(got.nextForwardToken).toMatch(/^f\/\d+$/);
    const missing = await awsCli(target, [
      'logs',
      'filter-log-events',
      '--log-group-name',
      '/aws/lambda/nope',
    ]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/ResourceNotFoundException/);
  });
});
