import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { AWS_CLI, awsCli, itWithAwsCli } from '../support/aws-cli.js';
import { type LocalCloudFixture, startLocalCloudFixture } from '../support/local-cloud.js';
import {
  assertConsistent,
  configureTraffic,
  executionFor,
  finished,
  lineage,
  live,
  type RecommendAnswer,
  recommend,
  sha256,
  sleep,
  variant,
  weights,
} from '../support/rollout-helpers.js';

/**
 * The `steps` strategy on the local cloud, driven as a data scientist would: the model is uploaded
 * with the AWS CLI (`s3 cp --metadata rollout=steps,weights=5:25:50,…`) and alias `live` is watched
 * with `aws lambda get-alias` until the new version serves alone.
 *
 * A CLI call takes seconds on a busy machine (Python start-up) while a bake is one real second, so
 * requests flow only once the CLI has seen the alias's current weight: until then the gate lacks
 * samples and extends the bake (up to GATE_MAX_EXTENSIONS), and no step can pass unobserved (each
 * of the two request loops checks before every request, so at most two requests reach a new weight
 * before the CLI has seen it: fewer than GATE_MIN_SAMPLES).
 */
const KEY = 'car_fit_model.onnx';

let f: LocalCloudFixture;
let dir: string;

beforeAll(async () => {
  if (!AWS_CLI) return;
  f = await startLocalCloudFixture();
  // The scenario is the schedule, not latency: the CLI's Python processes make a few samples' p99
  // swing by hundreds of ms on a busy machine, so only the absolute p99 limit stays.
  await configureTraffic(f, {
    GATE_MIN_SAMPLES: '5',
    GATE_PERIOD_SECONDS: '1',
    GATE_MAX_EXTENSIONS: '30',
    GATE_P99_SLACK_MS: '1000',
  });
  dir = await mkdtemp(path.join(tmpdir(), 'hypermob-steps-'));
}, 240_000);
afterAll(async () => {
  await f?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface AliasSeen {
  FunctionVersion: string;
  RoutingConfig?: { AdditionalVersionWeights?: Record<string, number> };
}

async function getAlias(): Promise<AliasSeen> {
  const r = await awsCli(f, [
    'lambda',
    'get-alias',
    '--function-name',
    'hypermob-recommend',
    '--name',
    'live',
  ]);
  if (r.code !== 0) throw new Error(`aws lambda get-alias exited ${r.code}: ${r.stderr}`);
  return r.json as AliasSeen;
}

describe('steps rollout through the AWS CLI', () => {
  itWithAwsCli(
    'weights=5:25:50: the alias carries 5 %, 25 %, 50 % in turn, then the new version alone',
    async () => {
      const before = await getAlias();
      const bytes = variant(1);
      const file = path.join(dir, 'model.onnx');
      await writeFile(file, bytes);
      const since = Date.now();
      const cp = await awsCli(f, [
        's3',
        'cp',
        file,
        `s3://hypermob-models/${KEY}`,
        '--metadata',
        'rollout=steps,weights=5:25:50,interval=1',
      ]);
      expect(cp.code, cp.stderr).toBe(0);
      const executionArn = await executionFor(f, KEY, since);

      const seen: AliasSeen[] = [];
      const seenWeights = new Set<number>();
      let running = true;
      const poller = (async () => {
        while (running) {
          const a = await getAlias();
          seen.push(a);
          for (const w of Object.values(a.RoutingConfig?.AdditionalVersionWeights ?? {})) seenWeights.add(w);
        }
      })();
      const answers: RecommendAnswer[] = [];
      const traffic = Array.from({ length: 2 }, async () => {
        while (running) {
          const current = Object.values(weights(await live(f)))[0];
          if (current !== undefined && !seenWeights.has(current)) await sleep(100);
          else answers.push(await recommend(f));
        }
      });
      const exec = await finished(f, executionArn, 150_000);
      running = false;
      await Promise.all([poller, ...traffic]);

      expect(exec.status, exec.cause).toBe('SUCCEEDED');
      const after = await getAlias();
      expect(after.FunctionVersion).not.toBe(before.FunctionVersion);
      expect(after.RoutingConfig?.AdditionalVersionWeights ?? {}).toEqual({});

      // Every sample: the old version with the candidate's weight, or one version alone.
      const observed = seen.flatMap((a) =>
        Object.entries(a.RoutingConfig?.AdditionalVersionWeights ?? {}).map(([version, weight]) => {
          expect({ primary: a.FunctionVersion, version }).toEqual({
            primary: before.FunctionVersion,
            version: after.FunctionVersion,
          });
          return weight;
        }),
      );
      expect([...new Set(observed)]).toEqual([0.05, 0.25, 0.5]);

      const record = await lineage(f, executionArn);
      expect(record.plan).toMatchObject({ strategy: 'steps', parameters: { weights: [5, 25, 50] } });
      expect(record.model?.sha256).toBe(sha256(bytes));
      expect(record.weights.map((w) => w.weight)).toEqual([0.05, 0.25, 0.5, 1]);
      expect(record.gates.filter((g) => g.decision === 'pass').map((g) => g.weight)).toEqual([
        0.05, 0.25, 0.5,
      ]);
      await assertConsistent(f, answers, [before.FunctionVersion, after.FunctionVersion]);
      console.log(
        `steps: ${answers.length} requests, ${seen.length} get-alias samples, ${record.gates.length} gates over ${Math.round((Date.now() - since) / 1000)} s`,
      );
    },
    180_000,
  );
});
