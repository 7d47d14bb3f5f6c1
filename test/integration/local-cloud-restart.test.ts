import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  ListVersionsByFunctionCommand,
} from '@aws-sdk/client-lambda';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS } from '../../local-cloud/clients.js';
import { LIVE_ALIAS, RECOMMEND_FUNCTION_NAME } from '../../system/manifest.js';
import { type LocalCloudFixture, spawnLocalCloud, startLocalCloudFixture } from '../support/local-cloud.js';

/** Nothing is lost across a restart, and a kill -9 in the middle of writes leaves no torn state. */
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const WAIT_MACHINE = JSON.stringify({
  StartAt: 'Hold',
  States: { Hold: { Type: 'Wait', Seconds: 1_000_000, Next: 'Done' }, Done: { Type: 'Succeed' } },
});
const PASS_MACHINE = JSON.stringify({
  StartAt: 'P',
  States: { P: { Type: 'Pass', Result: { ok: 1 }, End: true } },
});

async function bytesOf(s3: S3Client, bucket: string, key: string): Promise<Buffer> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(
    await (out.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
  );
}

describe('restart', () => {
  it('keeps objects, metadata, versions, the alias, state machines and executions; the bootstrap is idempotent', async () => {
    let f: LocalCloudFixture = await startLocalCloudFixture({ functions: ['recommend'], rollout: false });
    cleanups.push(() => f.stop());
    const data = randomBytes(200_000);
    await f.clients.s3.send(new CreateBucketCommand({ Bucket: 'keep' }));
    await f.clients.s3.send(
      new PutObjectCommand({ Bucket: 'keep', Key: 'a/b.bin', Body: data, Metadata: { k: 'v' } }),
    );
    const sm = await f.clients.sfn.send(
      new CreateStateMachineCommand({
        name: 'keep-machine',
        definition: PASS_MACHINE,
        roleArn: 'arn:aws:iam::0:role/r',
      }),
    );
    const exec = await f.clients.sfn.send(
      new StartExecutionCommand({ stateMachineArn: sm.stateMachineArn, name: 'one' }),
    );
    await f.cloud.sfn.drain();
    const alias = await f.clients.lambda.send(
      new GetAliasCommand({ FunctionName: RECOMMEND_FUNCTION_NAME, Name: LIVE_ALIAS }),
    );
    const config = await f.clients.lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: RECOMMEND_FUNCTION_NAME, Qualifier: LIVE_ALIAS }),
    );

    f = await f.restart();
    expect(sha(await bytesOf(f.clients.s3, 'keep', 'a/b.bin'))).toBe(sha(data));
    expect(
      (await f.clients.s3.send(new HeadObjectCommand({ Bucket: 'keep', Key: 'a/b.bin' }))).Metadata,
    ).toEqual({ k: 'v' });
    const aliasAfter = await f.clients.lambda.send(
      new GetAliasCommand({ FunctionName: RECOMMEND_FUNCTION_NAME, Name: LIVE_ALIAS }),
    );
    expect(aliasAfter.FunctionVersion).toBe(alias.FunctionVersion);
    const versions = await f.clients.lambda.send(
      new ListVersionsByFunctionCommand({ FunctionName: RECOMMEND_FUNCTION_NAME }),
    );
    expect(versions.Versions?.map((v) => v.Version)).toEqual(['$LATEST', alias.FunctionVersion]);
    const configAfter = await f.clients.lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: RECOMMEND_FUNCTION_NAME, Qualifier: LIVE_ALIAS }),
    );
    expect(configAfter.Environment?.Variables).toEqual(config.Environment?.Variables);
    const d = await f.clients.sfn.send(new DescribeExecutionCommand({ executionArn: exec.executionArn }));
    expect(d).toMatchObject({ status: 'SUCCEEDED', output: '{"ok":1}' });
    const h = await f.clients.sfn.send(new GetExecutionHistoryCommand({ executionArn: exec.executionArn }));
    expect(h.events?.at(-1)?.type).toBe('ExecutionSucceeded');
    const res = await fetch(`${f.apiEndpoint}/recommend`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ height: 165, upper_arm: 33, forearm: 25, thigh: 55, calf: 42, torso: 57 }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-executed-version')).toBe(alias.FunctionVersion);
  });
});

describe('kill -9', () => {
  it('during object and execution writes loses nothing acknowledged and tears nothing', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'hypermob-kill-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const child = await spawnLocalCloud({ dataDir, functions: 'none', model: false, rollout: false });
    cleanups.push(() => child.kill());
    const common = {
      endpoint: child.awsEndpoint,
      region: 'us-east-1',
      credentials: LOCAL_CREDENTIALS,
      maxAttempts: 1,
    };
    const s3 = new S3Client({ ...common, forcePathStyle: true });
    const sfn = new SFNClient(common);
    cleanups.push(async () => {
      s3.destroy();
      sfn.destroy();
    });

    await s3.send(new CreateBucketCommand({ Bucket: 'crash' }));
    const v1 = new Map<string, string>();
    const v2 = new Map<string, string>();
    for (let i = 0; i < 8; i++) {
      const body = randomBytes(512 * 1024);
      await s3.send(new PutObjectCommand({ Bucket: 'crash', Key: `over/${i}`, Body: body }));
      v1.set(`over/${i}`, sha(body));
    }
    const sm = await sfn.send(
      new CreateStateMachineCommand({
        name: 'crash-machine',
        definition: WAIT_MACHINE,
        roleArn: 'arn:aws:iam::0:role/r',
      }),
    );
    const running = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: sm.stateMachineArn, name: 'held' }),
    );

    // The storm: overwrites of existing keys, new keys, and executions, all in flight when the process dies.
    const acked = new Map<string, string>();
    const attempted = new Map<string, string>();
    let stop = false;
    const errors: unknown[] = [];
    const writers = Array.from({ length: 4 }, async (_, w) => {
      for (let n = 0; !stop; n++) {
        const body = randomBytes(256 * 1024 + n);
        const key = n % 2 === 0 ? `over/${(w + n) % 8}` : `new/${w}-${n}`;
        if (key.startsWith('over/')) v2.set(`${key}#${sha(body)}`, sha(body));
        else attempted.set(key, sha(body));
        try {
          await s3.send(new PutObjectCommand({ Bucket: 'crash', Key: key, Body: body }));
          if (key.startsWith('new/')) acked.set(key, sha(body));
          await sfn.send(
            new StartExecutionCommand({ stateMachineArn: sm.stateMachineArn, name: `w${w}-${n}` }),
          );
        } catch (err) {
          // Expected once the process is killed; before that it is a failure of the test's premise.
          if (!stop) errors.push(err);
          return;
        }
      }
    });
    // Kill once a few writes are through, so the kill lands among more of them.
    const until = Date.now() + 20_000;
    while (acked.size < 4 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    await child.kill();
    stop = true;
    await Promise.allSettled(writers);
    expect(acked.size).toBeGreaterThan(0);
    expect(errors.filter((e) => !/ECONNRESET|socket hang up|ECONNREFUSED/.test(String(e)))).toEqual([]);

    const f = await startLocalCloudFixture({ dataDir, functions: 'none', model: false, rollout: false });
    cleanups.push(() => f.stop({ keepData: true }));
    for (const [key, hash] of acked) expect(sha(await bytesOf(f.clients.s3, 'crash', key)), key).toBe(hash);
    const listed = await f.clients.s3.send(new ListObjectsV2Command({ Bucket: 'crash', MaxKeys: 1000 }));
    for (const { Key } of listed.Contents ?? []) {
      const hash = sha(await bytesOf(f.clients.s3, 'crash', Key as string));
      if (Key?.startsWith('over/')) {
        const allowed = [
          v1.get(Key),
          ...[...v2.keys()].filter((k) => k.startsWith(`${Key}#`)).map((k) => v2.get(k)),
        ];
        expect(allowed, Key).toContain(hash);
      } else {
        expect(attempted.get(Key as string), Key).toBe(hash);
      }
    }
    for (let i = 0; i < 8; i++) expect(listed.Contents?.some((c) => c.Key === `over/${i}`)).toBe(true);

    const held = await f.clients.sfn.send(
      new DescribeExecutionCommand({ executionArn: running.executionArn }),
    );
    expect(held).toMatchObject({ status: 'FAILED', error: 'States.Runtime', cause: 'local cloud restarted' });
    const h = await f.clients.sfn.send(
      new GetExecutionHistoryCommand({ executionArn: running.executionArn }),
    );
    expect(h.events?.at(-1)?.executionFailedEventDetails).toEqual({
      error: 'States.Runtime',
      cause: 'local cloud restarted',
    });
  });
});
