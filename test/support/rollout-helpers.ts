import { createHash } from 'node:crypto';
import {
  GetAliasCommand,
  type GetAliasCommandOutput,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { LineageRecord } from '../../functions/rollout/shared/lineage.js';
import { METADATA_KEYS } from '../../functions/shared/contract.js';
import { writeLinearModel } from '../../functions/shared/model/onnx-writer.js';
import { ROLLOUT_STATE_MACHINE_NAME } from '../../statemachines/rollout-trigger.js';
import { FUNCTIONS, LIVE_ALIAS, MODEL_BUCKET_NAME, RECOMMEND_FUNCTION_NAME } from '../../system/manifest.js';
import type { LocalCloudFixture } from './local-cloud.js';
import { canonicalModel } from './onnx-fixtures.js';

/** Shared steps of the rollout integration scenarios (test/integration/rollout-*.test.ts). */

export const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** A valid model with the canonical predictions and its own bytes (a different model_name). */
export function variant(n: number): Uint8Array {
  const base = canonicalModel();
  return writeLinearModel(base.params, {
    metadata: { ...base.metadata, [METADATA_KEYS.modelName]: `rollout-variant-${n}` },
  });
}

export function stateMachineArn(f: LocalCloudFixture): string {
  return `arn:aws:states:${f.region}:${f.accountId}:stateMachine:${ROLLOUT_STATE_MACHINE_NAME}`;
}

/** Short bakes and small sample minimums for the traffic function ($LATEST, as the ASL calls it). */
export async function configureTraffic(f: LocalCloudFixture, env: Record<string, string>): Promise<void> {
  const { lambda } = f.clients;
  const { GetFunctionConfigurationCommand } = await import('@aws-sdk/client-lambda');
  const cfg = await lambda.send(
    new GetFunctionConfigurationCommand({ FunctionName: FUNCTIONS.traffic.name }),
  );
  await lambda.send(
    new UpdateFunctionConfigurationCommand({
      FunctionName: FUNCTIONS.traffic.name,
      Environment: { Variables: { ...(cfg.Environment?.Variables ?? {}), ...env } },
    }),
  );
  for (let i = 0; i < 100; i++) {
    const now = await lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: FUNCTIONS.traffic.name }),
    );
    if (now.LastUpdateStatus !== 'InProgress') return;
    await sleep(50);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function upload(
  f: LocalCloudFixture,
  key: string,
  body: Uint8Array,
  metadata: Record<string, string> = {},
): Promise<number> {
  const before = Date.now();
  await f.clients.s3.send(
    new PutObjectCommand({ Bucket: MODEL_BUCKET_NAME, Key: key, Body: body, Metadata: metadata }),
  );
  return before;
}

/** The execution the upload of `key` started (the newest one started after `since`). */
export async function executionFor(f: LocalCloudFixture, key: string, since: number, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const list = await f.clients.sfn.send(new ListExecutionsCommand({ stateMachineArn: stateMachineArn(f) }));
    for (const e of list.executions ?? []) {
      if ((e.startDate?.getTime() ?? 0) < since - 1000) continue;
      const d = await f.clients.sfn.send(new DescribeExecutionCommand({ executionArn: e.executionArn }));
      const input = JSON.parse(d.input ?? '{}') as { detail?: { object?: { key?: string } } };
      if (input.detail?.object?.key === key) return e.executionArn ?? '';
    }
    await sleep(50);
  }
  throw new Error(`no execution started for ${key}`);
}

export async function finished(
  f: LocalCloudFixture,
  executionArn: string,
  timeoutMs = 45_000,
): Promise<DescribeExecutionCommandOutput> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const d = await f.clients.sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (d.status !== 'RUNNING') return d;
    if (Date.now() > deadline) {
      const path = (await states(f, executionArn)).join(' → ');
      throw new Error(`${executionArn} still RUNNING after ${timeoutMs} ms: ${path}`);
    }
    await sleep(50);
  }
}

export async function uploadAndFinish(
  f: LocalCloudFixture,
  key: string,
  body: Uint8Array,
  metadata: Record<string, string> = {},
) {
  const since = await upload(f, key, body, metadata);
  return finished(f, await executionFor(f, key, since));
}

export async function command(f: LocalCloudFixture, input: Record<string, string>) {
  const out = await f.clients.sfn.send(
    new StartExecutionCommand({ stateMachineArn: stateMachineArn(f), input: JSON.stringify(input) }),
  );
  return finished(f, out.executionArn ?? '');
}

export async function states(f: LocalCloudFixture, executionArn: string): Promise<string[]> {
  const h = await f.clients.sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
  return (h.events ?? []).flatMap((e) =>
    e.stateEnteredEventDetails?.name ? [e.stateEnteredEventDetails.name] : [],
  );
}

export async function live(f: LocalCloudFixture): Promise<GetAliasCommandOutput> {
  return f.clients.lambda.send(
    new GetAliasCommand({ FunctionName: RECOMMEND_FUNCTION_NAME, Name: LIVE_ALIAS }),
  );
}

export function weights(a: GetAliasCommandOutput): Record<string, number> {
  return a.RoutingConfig?.AdditionalVersionWeights ?? {};
}

export async function lineage(f: LocalCloudFixture, executionArn: string): Promise<LineageRecord> {
  const name = executionArn.split(':').at(-1);
  const out = await f.clients.s3.send(
    new GetObjectCommand({ Bucket: MODEL_BUCKET_NAME, Key: `rollouts/${name}.json` }),
  );
  return JSON.parse((await out.Body?.transformToString()) ?? '{}') as LineageRecord;
}

export interface RecommendAnswer {
  status: number;
  sha256?: string;
  version?: string;
  degraded?: boolean;
}

/** An average adult (the pre-traffic probe's body too). */
export const AVERAGE_BODY = {
  height: 175,
  upper_arm: 32.5,
  forearm: 26.8,
  thigh: 45.2,
  calf: 38.9,
  torso: 61.5,
};

export async function recommend(
  f: LocalCloudFixture,
  person: Record<string, number> = AVERAGE_BODY,
): Promise<RecommendAnswer> {
  const res = await fetch(`${f.apiEndpoint}/recommend`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(person),
  });
  const body = (await res.json()) as { model?: { sha256?: string; version?: string }; degraded?: boolean };
  return {
    status: res.status,
    sha256: body.model?.sha256,
    version: body.model?.version,
    degraded: body.degraded,
  };
}

/** Steady POST /recommend traffic until stopped; every answer kept. */
export function load(f: LocalCloudFixture, concurrency = 2, person: Record<string, number> = AVERAGE_BODY) {
  const answers: (RecommendAnswer & { at: number })[] = [];
  let running = true;
  const workers = Array.from({ length: concurrency }, async () => {
    while (running) {
      try {
        answers.push({ ...(await recommend(f, person)), at: Date.now() });
      } catch (err) {
        answers.push({ status: 0, at: Date.now(), version: String(err) });
      }
    }
  });
  return {
    answers,
    async stop() {
      running = false;
      await Promise.all(workers);
      return answers;
    },
  };
}

/** Every answer came from a version the alias routed to and carried exactly that version's pinned sha256. */
export async function assertConsistent(
  f: LocalCloudFixture,
  answers: RecommendAnswer[],
  routed: (string | undefined)[],
): Promise<void> {
  const { GetFunctionConfigurationCommand } = await import('@aws-sdk/client-lambda');
  const pinned = new Map<string, string | undefined>();
  for (const v of new Set(routed)) {
    if (!v) continue;
    const cfg = await f.clients.lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: RECOMMEND_FUNCTION_NAME, Qualifier: v }),
    );
    pinned.set(v, cfg.Environment?.Variables?.MODEL_SHA256);
  }
  const failed = answers.filter((a) => a.status !== 200 || a.degraded);
  if (failed.length > 0)
    throw new Error(`${failed.length} failed or degraded answers: ${JSON.stringify(failed[0])}`);
  const wrong = answers.filter(
    (a) => !a.version || !pinned.has(a.version) || pinned.get(a.version) !== a.sha256,
  );
  if (wrong.length > 0)
    throw new Error(`${wrong.length} answers from an unexpected model: ${JSON.stringify(wrong[0])}`);
}
