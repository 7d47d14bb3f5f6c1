import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import {
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
} from '@aws-sdk/client-sfn';
import { METADATA_KEYS } from '../../functions/shared/contract.js';
import { parseDataset } from '../../functions/shared/dataset.js';
import { writeLinearModel } from '../../functions/shared/model/onnx-writer.js';
import { trainModel } from '../../functions/shared/model/trainer.js';
import { localClients } from '../../local-cloud/clients.js';
import { startLocalCloud } from '../../local-cloud/cloud.js';
import { ROLLOUT_STATE_MACHINE_NAME } from '../../statemachines/rollout-trigger.js';
import { FUNCTIONS, LIVE_ALIAS, MODEL_BUCKET_NAME, RECOMMEND_FUNCTION_NAME } from '../../system/manifest.js';

/**
 * `npm run bench:rollout`: on a fresh local cloud (in-process), the time from an upload to alias
 * live fully on the new version (all-at-once, validation included), with the time spent per state,
 * and the time from a gate breach (the Gate state entered with candidate errors in its window) to
 * the completed rollback. Each figure is the median of BENCH_REPEATS runs (default 5); `--json`
 * prints them as one JSON object.
 */
const REPEATS = Number(process.env.BENCH_REPEATS ?? 5);
const JSON_OUTPUT = process.argv.includes('--json');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const templateUrl = new URL('../../functions/recommend/json_template.json', import.meta.url);

async function main() {
  const { readFile } = await import('node:fs/promises');
  const base = trainModel(parseDataset(JSON.parse(await readFile(templateUrl, 'utf8'))), {
    modelName: 'bench',
    trainedAt: '2026-01-01T00:00:00.000Z',
  });
  const variant = (n: number) =>
    writeLinearModel(base.params, {
      metadata: { ...base.metadata, [METADATA_KEYS.modelName]: `bench-${n}` },
    });

  const dataDir = await mkdtemp(path.join(tmpdir(), 'hypermob-bench-rollout-'));
  const cloud = await startLocalCloud({ dataDir, awsPort: 0, apiPort: 0, log: () => undefined });
  try {
    await cloud.ready;
    const c = localClients(cloud.awsEndpoint, cloud.region);
    const smArn = `arn:aws:states:${cloud.region}:${cloud.accountId}:stateMachine:${ROLLOUT_STATE_MACHINE_NAME}`;
    const traffic = await c.lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: FUNCTIONS.traffic.name }),
    );
    await c.lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: FUNCTIONS.traffic.name,
        Environment: {
          Variables: {
            ...(traffic.Environment?.Variables ?? {}),
            GATE_MIN_SAMPLES: '5',
            GATE_PERIOD_SECONDS: '1',
          },
        },
      }),
    );
    await sleep(500);
    const alias = () =>
      c.lambda.send(new GetAliasCommand({ FunctionName: RECOMMEND_FUNCTION_NAME, Name: LIVE_ALIAS }));

    const latestExecution = async (since: number) => {
      for (;;) {
        const list = await c.sfn.send(new ListExecutionsCommand({ stateMachineArn: smArn }));
        const e = list.executions?.find((x) => (x.startDate?.getTime() ?? 0) >= since - 1000);
        if (e?.executionArn) return e.executionArn;
        await sleep(5);
      }
    };
    const settle = async (arn: string) => {
      for (;;) {
        const d = await c.sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
        if (d.status !== 'RUNNING') return d;
        await sleep(10);
      }
    };
    const upload = (body: Uint8Array, metadata: Record<string, string>) =>
      c.s3.send(
        new PutObjectCommand({
          Bucket: MODEL_BUCKET_NAME,
          Key: 'car_fit_model.onnx',
          Body: body,
          Metadata: metadata,
        }),
      );
    const history = async (arn: string): Promise<HistoryEvent[]> =>
      (await c.sfn.send(new GetExecutionHistoryCommand({ executionArn: arn, maxResults: 1000 }))).events ??
      [];

    const toLive: number[] = [];
    const perState = new Map<string, number[]>();
    for (let i = 0; i < REPEATS; i++) {
      const before = (await alias()).FunctionVersion;
      const t0 = Date.now();
      await upload(variant(i), { rollout: 'all-at-once' });
      let a = await alias();
      while (
        a.FunctionVersion === before ||
        Object.keys(a.RoutingConfig?.AdditionalVersionWeights ?? {}).length
      ) {
        await sleep(2);
        a = await alias();
      }
      toLive.push(Date.now() - t0);
      const arn = await latestExecution(t0);
      const done = await settle(arn);
      if (done.status !== 'SUCCEEDED')
        throw new Error(`run ${i}: ${done.status} ${done.error} ${done.cause}`);
      const events = await history(arn);
      for (let j = 0; j < events.length; j++) {
        const e = events[j];
        if (e?.type !== 'TaskStateEntered' || !e.stateEnteredEventDetails?.name) continue;
        const exit = events.slice(j).find((x) => x.type === 'TaskStateExited');
        if (!exit?.timestamp || !e.timestamp) continue;
        const name = e.stateEnteredEventDetails.name;
        perState.set(name, [...(perState.get(name) ?? []), exit.timestamp.getTime() - e.timestamp.getTime()]);
      }
    }

    // Gate breach → rollback: candidate errors injected into the metrics the gate reads.
    const breach: number[] = [];
    for (let i = 0; i < Math.min(REPEATS, 3); i++) {
      const before = (await alias()).FunctionVersion;
      const t0 = Date.now();
      await upload(variant(100 + i), { rollout: 'canary', weight: '0.5', interval: '1' });
      const arn = await latestExecution(t0);
      let candidate: string | undefined;
      while (!candidate) {
        candidate = Object.keys((await alias()).RoutingConfig?.AdditionalVersionWeights ?? {})[0];
        await sleep(5);
      }
      for (let k = 0; k < 20; k++) {
        cloud.cloudwatch.recordInvocation({
          functionName: RECOMMEND_FUNCTION_NAME,
          resource: `${RECOMMEND_FUNCTION_NAME}:${LIVE_ALIAS}`,
          executedVersion: candidate,
          error: true,
          durationMs: 2,
        });
      }
      const done = await settle(arn);
      if (done.error !== 'RolledBack') throw new Error(`breach run ${i}: ${done.status} ${done.error}`);
      if ((await alias()).FunctionVersion !== before) throw new Error('not rolled back');
      const events = await history(arn);
      const gate = events.find((e) => e.stateEnteredEventDetails?.name === 'Gate');
      const end = events.find((e) => e.type === 'ExecutionFailed');
      if (gate?.timestamp && end?.timestamp) breach.push(end.timestamp.getTime() - gate.timestamp.getTime());
    }

    const states = Object.fromEntries([...perState].map(([name, ms]) => [name, median(ms)]));
    if (JSON_OUTPUT) {
      process.stdout.write(
        `${JSON.stringify({
          bench: 'rollout',
          at: new Date().toISOString(),
          machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version },
          runs: REPEATS,
          upload_to_live_ms: median(toLive),
          upload_to_live_runs_ms: toLive,
          state_ms: states,
          breach_to_rollback_ms: median(breach),
          breach_to_rollback_runs_ms: breach,
        })}\n`,
      );
    } else {
      console.log(`rollout benchmark (local cloud, ${REPEATS} runs, median)`);
      console.log(`upload → live fully on the new version (all-at-once): ${median(toLive)} ms`);
      console.log(`  runs: ${toLive.join(', ')} ms`);
      for (const [name, ms] of Object.entries(states)) console.log(`  ${name.padEnd(11)} ${ms} ms`);
      console.log(`gate breach → rollback complete: ${median(breach)} ms (runs: ${breach.join(', ')} ms)`);
    }
    c.s3.destroy();
    c.lambda.destroy();
    c.sfn.destroy();
  } finally {
    await cloud.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
