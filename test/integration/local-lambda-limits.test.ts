import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  GetFunctionConfigurationCommand,
  InvokeCommand,
  LambdaClient,
  PublishVersionCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsEndpoint } from '../../local-cloud/aws-endpoint.js';
import { createLambdaService, type LambdaService } from '../../local-cloud/lambda/index.js';
import { writeEchoBundle } from '../support/lambda/echo-bundle.js';

/**
 * Lambda's invocation limits through the SDK: 6 MB synchronous request (413 RequestTooLargeException)
 * and response (Function.ResponseSizeTooLarge), and a just-published version that is Pending (the
 * AWS-like timing mode) cannot be invoked until it is Active.
 */
const FN = 'echo-limits';
const MB6 = 6 * 1024 * 1024;
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

describe('local Lambda limits', () => {
  let work: string;
  let svc: LambdaService;
  let server: Server;
  let lambda: LambdaClient;

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'hm-lambda-limits-'));
    svc = await createLambdaService({
      dataDir: path.join(work, 'data'),
      region: 'us-east-1',
      accountId: '000000000000',
      awsEndpoint: 'http://127.0.0.1:1',
      publishPendingMs: 1500,
      updateSettleMs: 50,
    });
    server = createServer(awsEndpoint({ lambda: svc }));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    lambda = new LambdaClient({ endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
    await svc.ensureFunction({
      name: FN,
      bundleDir: await writeEchoBundle(path.join(work, 'b'), 'limits'),
      environment: {},
      memoryMb: 128,
      timeoutSeconds: 10,
    });
  });
  afterAll(async () => {
    lambda?.destroy();
    if (server) await new Promise((r) => server.close(r));
    await svc?.close();
    await rm(work, { recursive: true, force: true });
  });

  const payloadOf = (bytes: number) => Buffer.from(JSON.stringify({ pad: 'x'.repeat(bytes - 10) }));

  it('refuses a request over 6 MB with 413 RequestTooLargeException', async () => {
    const big = payloadOf(MB6 + 1);
    expect(big.length).toBe(MB6 + 1);
    await expect(lambda.send(new InvokeCommand({ FunctionName: FN, Payload: big }))).rejects.toMatchObject({
      name: 'RequestTooLargeException',
      $metadata: { httpStatusCode: 413 },
    });
  });

  it('answers a response over 6 MB with the Function.ResponseSizeTooLarge error', async () => {
    // The echo function returns its event (and more): a request just under 6 MB makes a response over it.
    const out = await lambda.send(new InvokeCommand({ FunctionName: FN, Payload: payloadOf(MB6 - 500) }));
    expect(out.FunctionError).toBe('Unhandled');
    expect(JSON.parse(Buffer.from(out.Payload ?? []).toString())).toMatchObject({
      errorType: 'Function.ResponseSizeTooLarge',
    });
  });

  it('a new version is Pending for a moment: GetFunctionConfiguration says so and Invoke answers 409', async () => {
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: FN, Description: 'v' }));
    await new Promise((r) => setTimeout(r, 100));
    const { Version } = await lambda.send(new PublishVersionCommand({ FunctionName: FN }));
    const cfg = await lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: FN, Qualifier: Version }),
    );
    expect(cfg).toMatchObject({ State: 'Pending', StateReasonCode: 'Creating' });
    await expect(
      lambda.send(new InvokeCommand({ FunctionName: FN, Qualifier: Version })),
    ).rejects.toMatchObject({
      name: 'ResourceConflictException',
      $metadata: { httpStatusCode: 409 },
    });
    // Active after the pending time; then it runs.
    for (let i = 0; i < 60; i++) {
      const c = await lambda.send(
        new GetFunctionConfigurationCommand({ FunctionName: FN, Qualifier: Version }),
      );
      if (c.State === 'Active') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const ok = await lambda.send(
      new InvokeCommand({ FunctionName: FN, Qualifier: Version, Payload: Buffer.from('{}') }),
    );
    expect(ok.FunctionError).toBeUndefined();
    expect(ok.ExecutedVersion).toBe(Version);
  });
});
