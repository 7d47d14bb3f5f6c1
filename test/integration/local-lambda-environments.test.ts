import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCloudWatchService } from '../../local-cloud/cloudwatch/service.js';
import { createLambdaService, type LambdaService } from '../../local-cloud/lambda/index.js';
import { type EchoResult, writeEchoBundle } from '../support/lambda/echo-bundle.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('local Lambda execution environments', () => {
  let work: string;
  let dataDir: string;
  let svc: LambdaService;
  const cloudwatch = createCloudWatchService();
  const logs: string[] = [];

  const call = async (qualifier: string | undefined, event: unknown = {}, fn = 'echo-env') => {
    const r = await svc.invoke(fn, qualifier, Buffer.from(JSON.stringify(event)));
    const body = JSON.parse(r.payload.toString('utf8'));
    return { ...r, body: body as EchoResult & { errorType?: string; errorMessage?: string } };
  };

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'hm-lambda-env-'));
    dataDir = path.join(work, 'data');
    svc = await createLambdaService({
      dataDir,
      region: 'eu-west-1',
      accountId: '111122223333',
      awsEndpoint: 'http://127.0.0.1:4566',
      idleMs: 600,
      maxEnvironmentsPerVersion: 3,
      cloudwatch,
      log: (l) => logs.push(l),
    });
    const b1 = await writeEchoBundle(path.join(work, 'b1'), 'one');
    const b2 = await writeEchoBundle(path.join(work, 'b2'), 'two');
    await svc.ensureFunction({
      name: 'echo-env',
      bundleDir: b1,
      environment: { MODEL: 'm1' },
      memoryMb: 512,
      timeoutSeconds: 1,
    });
    expect(await svc.publishVersion('echo-env')).toBe('1');
    await svc.ensureFunction({
      name: 'echo-env',
      bundleDir: b2,
      environment: { MODEL: 'm2' },
      memoryMb: 512,
      timeoutSeconds: 1,
    });
    expect(await svc.publishVersion('echo-env')).toBe('2');
  });
  afterAll(async () => {
    await svc?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('gives each version its own environment variables, TMPDIR and module state, reused while warm', async () => {
    const a1 = await call('1', { action: 'touch', file: 'v1-marker' });
    const a2 = await call('1');
    const b = await call('2');
    expect(a1.body.marker).toBe('one');
    expect(b.body.marker).toBe('two');
    expect(a1.body.env).toMatchObject({
      MODEL: 'm1',
      AWS_LAMBDA_FUNCTION_NAME: 'echo-env',
      AWS_LAMBDA_FUNCTION_VERSION: '1',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'eu-west-1',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:4566',
      AWS_ACCESS_KEY_ID: expect.any(String),
      AWS_SECRET_ACCESS_KEY: expect.any(String),
    });
    expect(b.body.env.MODEL).toBe('m2');
    expect(b.body.env.AWS_LAMBDA_FUNCTION_VERSION).toBe('2');
    // Nothing of the host process leaks in.
    expect(a1.body.env.VITEST).toBeUndefined();
    expect(a1.body.context).toMatchObject({
      functionName: 'echo-env',
      functionVersion: '1',
      invokedFunctionArn: 'arn:aws:lambda:eu-west-1:111122223333:function:echo-env:1',
      memoryLimitInMB: '512',
    });
    expect(a1.body.context.remaining).toBeGreaterThan(0);
    expect(a1.body.context.remaining).toBeLessThanOrEqual(1000);

    // Warm reuse: same module instance, state kept, /tmp kept.
    expect(a2.body.moduleId).toBe(a1.body.moduleId);
    expect(a2.body.calls).toBe(a1.body.calls + 1);
    expect(a2.body.tmpFiles).toContain('v1-marker');
    // Another version: another process, fresh module, its own /tmp under the data dir.
    expect(b.body.moduleId).not.toBe(a1.body.moduleId);
    expect(b.body.pid).not.toBe(a1.body.pid);
    expect(b.body.tmpFiles).not.toContain('v1-marker');
    expect(a1.body.tmpdir.startsWith(path.join(dataDir, 'tmp', 'echo-env', '1'))).toBe(true);
    expect(b.body.tmpdir.startsWith(path.join(dataDir, 'tmp', 'echo-env', '2'))).toBe(true);

    expect(logs).toContainEqual(
      expect.stringMatching(/^\[echo-env:1\] START RequestId: [0-9a-f-]{36} Version: 1$/),
    );
    expect(logs).toContainEqual(
      expect.stringMatching(/^\[echo-env:1\] REPORT RequestId: .*Duration: [0-9.]+ ms/),
    );
  });

  it('starts more environments for overlapping calls, up to the limit, then queues', async () => {
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => call('2', { action: 'sleep', ms: 300 })));
    expect(results.every((r) => r.functionError === undefined)).toBe(true);
    // Five overlapping calls start environments up to the limit (3) and queue the rest. Which
    // environment serves which call depends on how fast each starts (a loaded machine may let the
    // warm one drain the queue first), so the count of environments is asserted, not of pids.
    expect(svc.environments()['echo-env:2']).toBe(3);
    expect(new Set(results.map((r) => r.body.pid)).size).toBeLessThanOrEqual(3);
  });

  it('under load sends calls ahead to warm environments, which still run them one at a time', async () => {
    // Version 2 has its three environments warm from the test above; 24 overlapping calls cannot
    // start more, so they are sent ahead (pipelined) to those three.
    const burst = await Promise.all(Array.from({ length: 24 }, () => call('2', { action: 'sleep', ms: 10 })));
    expect(burst.every((r) => r.functionError === undefined)).toBe(true);
    expect(Math.max(...burst.map((r) => r.body.maxActive))).toBe(1);
    expect(svc.environments()['echo-env:2']).toBe(3);

    // Calls sent behind one that times out, or one that crashes its environment, never started
    // there: they are served by another environment, not failed with it.
    for (const fatal of [{ action: 'sleep', ms: 5000 }, { action: 'exit' }]) {
      const [doomed, ...behind] = await Promise.all([
        call('2', fatal),
        ...Array.from({ length: 8 }, () => call('2', { action: 'sleep', ms: 10 })),
      ]);
      expect(doomed?.functionError).toBe('Unhandled');
      expect(behind.map((r) => r.functionError)).toEqual(Array(8).fill(undefined));
      expect(new Set(behind.map((r) => r.body.pid)).has(doomed?.body.pid as number)).toBe(false);
    }
  });

  it('stops idle environments and cleans their TMPDIR', async () => {
    const r = await call('1');
    expect(existsSync(r.body.tmpdir)).toBe(true);
    await sleep(1500);
    expect(svc.environments()['echo-env:1']).toBeUndefined();
    expect(existsSync(r.body.tmpdir)).toBe(false);
    const again = await call('1');
    expect(again.body.moduleId).not.toBe(r.body.moduleId);
    expect(again.body.calls).toBe(1);
  });

  it('reports handler errors, timeouts and crashes as function errors and replaces the environment', async () => {
    const warm = await call('1');
    const thrown = await call('1', { action: 'throw', message: 'bad input' });
    expect(thrown.functionError).toBe('Unhandled');
    expect(thrown.body).toMatchObject({ errorType: 'FixtureError', errorMessage: 'bad input' });
    // A thrown error keeps the environment.
    expect((await call('1')).body.moduleId).toBe(warm.body.moduleId);

    const timedOut = await call('1', { action: 'sleep', ms: 5000 });
    expect(timedOut.functionError).toBe('Unhandled');
    expect(timedOut.body.errorType).toBe('Sandbox.Timedout');
    expect(timedOut.body.errorMessage).toMatch(/Task timed out after 1\.00 seconds/);
    const afterTimeout = await call('1');
    expect(afterTimeout.functionError).toBeUndefined();
    expect(afterTimeout.body.moduleId).not.toBe(warm.body.moduleId);

    const crashed = await call('1', { action: 'exit' });
    expect(crashed.functionError).toBe('Unhandled');
    expect(crashed.body.errorType).toBe('Runtime.ExitError');
    const afterCrash = await call('1');
    expect(afterCrash.functionError).toBeUndefined();
    expect(afterCrash.body.moduleId).not.toBe(afterTimeout.body.moduleId);

    const errors = cloudwatch.lambdaMetrics.query(
      'Errors',
      { FunctionName: 'echo-env', ExecutedVersion: '1' },
      'Sum',
      3600,
      0,
      2 ** 31,
    );
    expect(errors.values.reduce((a, b) => a + b, 0)).toBe(3);
  });

  it('serves a new $LATEST configuration from new environments', async () => {
    const before = await call(undefined);
    expect(before.body.env.MODEL).toBe('m2');
    await svc.ensureFunction({
      name: 'echo-env',
      bundleDir: path.join(work, 'b2'),
      environment: { MODEL: 'm3' },
      memoryMb: 512,
      timeoutSeconds: 1,
    });
    const after = await call(undefined);
    expect(after.body.env.MODEL).toBe('m3');
    expect(after.body.moduleId).not.toBe(before.body.moduleId);
    // Published versions are unaffected.
    expect((await call('2')).body.env.MODEL).toBe('m2');
  });

  it('returns the init error to the call that started a broken environment', async () => {
    const broken = path.join(work, 'broken');
    await writeEchoBundle(broken);
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path.join(broken, 'index.mjs'), "throw new TypeError('cannot start');\n");
    await svc.ensureFunction({
      name: 'broken',
      bundleDir: broken,
      environment: {},
      memoryMb: 128,
      timeoutSeconds: 3,
    });
    const r = await call(undefined, {}, 'broken');
    expect(r.functionError).toBe('Unhandled');
    expect(r.body).toMatchObject({ errorType: 'TypeError', errorMessage: 'cannot start' });

    // A bundle whose import kills the process: every call fails, none hangs, no respawn loop.
    await writeFile(path.join(broken, 'index.mjs'), 'process.exit(2);\n');
    await svc.ensureFunction({
      name: 'broken',
      bundleDir: broken,
      environment: {},
      memoryMb: 128,
      timeoutSeconds: 3,
    });
    const exits = await Promise.all([1, 2, 3].map(() => call(undefined, {}, 'broken')));
    for (const e of exits) {
      expect(e.functionError).toBe('Unhandled');
      expect(e.body.errorType).toBe('Runtime.ExitError');
    }
    await sleep(200);
    expect(svc.environments()['broken:$LATEST']).toBeUndefined();
  });
});
