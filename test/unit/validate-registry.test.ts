import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type AnyCheck, defineCheck } from '../../functions/rollout/validate/check.js';
import { CHECKS } from '../../functions/rollout/validate/checks.js';
import type { GoldenData } from '../../functions/rollout/validate/golden-store.js';
import type { LiveInput } from '../../functions/rollout/validate/live-model.js';
import { inOrder, registryProblems } from '../../functions/rollout/validate/run-checks.js';
import { DEFAULT_THRESHOLDS, type Thresholds } from '../../functions/rollout/validate/thresholds.js';
import { type ValidationResult, validateModel } from '../../functions/rollout/validate/validate.js';
import { parseDataset, toMatrices } from '../../functions/shared/dataset.js';
import { readSeatpos } from '../../functions/shared/seatpos.js';
import { BROKEN_MODELS, canonicalModelBytes } from '../support/onnx-fixtures.js';

const SEATPOS = readSeatpos();

/**
 * The registry property: validate.ts derives order, skipping and the report from checks.ts alone, so
 * a check added there runs, or is skipped with a reason, in every report without touching any list.
 */
const GOLDEN_PATH = new URL('../../functions/shared/data/golden_set.json', import.meta.url);
const FIRST_ROLLOUT: LiveInput = { unavailable: 'no alias yet (first rollout)' };
const TH: Thresholds = { ...DEFAULT_THRESHOLDS, latencyRuns: 1 };
let golden: GoldenData;

beforeAll(() => {
  golden = { ...toMatrices(parseDataset(JSON.parse(readFileSync(GOLDEN_PATH, 'utf8')))), seatpos: SEATPOS };
});

function run(bytes: Uint8Array, checks: readonly AnyCheck[] = CHECKS, live = FIRST_ROLLOUT) {
  return validateModel({ size: bytes.length, bytes, golden, live, thresholds: TH }, checks);
}

/** The checks this test pins the skip reasons of (reports rely on them); checks added later may join. */
const PINNED = new Set([
  'size',
  'parses',
  'loads',
  'contract',
  'finite',
  'ranges',
  'accuracy',
  'non_regression',
  'latency',
  'seatpos',
]);

const reasons = (result: ValidationResult) =>
  Object.fromEntries(
    result.checks.filter((c) => c.status === 'skipped' && PINNED.has(c.name)).map((c) => [c.name, c.summary]),
  );

/** A check a future engineer might add: the largest seat_position of the golden predictions stays below a limit. */
const seatCap = (order: number) =>
  defineCheck({
    id: 'seat_cap',
    order,
    needs: ['model', 'predictions'],
    run: ({ predictions }) => {
      const max = Math.max(...predictions.map((row) => row[0] as number));
      return { status: max <= 1000 ? 'passed' : 'failed', summary: `max seat_position ${max}` };
    },
  });

describe('the check registry', () => {
  it('is sound: unique ids and orders, every need provided by the input or an earlier check', () => {
    expect(registryProblems(CHECKS)).toEqual([]);
    expect(new Set(CHECKS.map((c) => c.id)).size).toBe(CHECKS.length);
    expect(new Set(CHECKS.map((c) => c.order)).size).toBe(CHECKS.length);
  });

  it('names each kind of unsound registry, and validation refuses to run on one', async () => {
    const [size, parses] = CHECKS;
    const latency = CHECKS.find((c) => c.id === 'latency') as AnyCheck;
    expect(registryProblems([...CHECKS, { ...latency, order: 1000 }])).toEqual([
      'check id latency is used twice',
    ]);
    expect(registryProblems([size, { ...parses, order: size.order }])).toEqual([
      `order ${size.order} is used twice`,
    ]);
    expect(registryProblems([parses])).toEqual(['parses needs bytes, which no earlier check provides']);
    // Needing a fact from a later check is as unsatisfiable as needing one nobody provides.
    expect(registryProblems([size, { ...parses, order: 5 }])).toEqual([
      'parses needs bytes, which no earlier check provides',
    ]);
    expect(registryProblems([size, { ...size, id: 'size2', order: 11 }])).toEqual([
      'size2 provides bytes, which is already provided',
    ]);
    await expect(run(canonicalModelBytes(), [parses])).rejects.toThrow(
      /^invalid check registry: parses needs bytes/,
    );
  });

  it('lists every check in a rejected model report, run or skipped with a reason', async () => {
    const ids = inOrder(CHECKS).map((c) => c.id);
    for (const [name, build] of Object.entries(BROKEN_MODELS)) {
      const result = await run(build());
      expect(result.passed, name).toBe(false);
      expect(
        result.checks.map((c) => c.name),
        name,
      ).toEqual(ids);
      for (const c of result.checks) expect(c.summary, `${name}: ${c.name}`).not.toBe('');
    }
  });

  it('skips each check with the root cause: the first absent need', async () => {
    const inference = ['ranges', 'accuracy', 'non_regression', 'latency', 'seatpos'];
    const all = (reason: string, names: string[]) => Object.fromEntries(names.map((n) => [n, reason]));
    const tooBig = await validateModel({ size: 10 ** 9, golden, live: FIRST_ROLLOUT, thresholds: TH });
    expect(reasons(tooBig)).toEqual({
      ...all('over the size limit', ['parses', 'loads', 'contract']),
      ...all('no inference: the size check failed', ['finite', ...inference]),
    });
    expect(reasons(await run(BROKEN_MODELS.randomBytes()))).toEqual({
      ...all('not an ONNX model', ['loads', 'contract']),
      ...all('no inference: the parses check failed', ['finite', ...inference]),
    });
    expect(reasons(await run(BROKEN_MODELS.unsupportedOperator()))).toEqual({
      contract: 'the model does not load',
      ...all('no inference: the loads check failed', ['finite', ...inference]),
    });
    expect(reasons(await run(BROKEN_MODELS.twoInputs()))).toEqual(
      all('no inference: the contract check failed', ['finite', ...inference]),
    );
    // The contract check overrides the reason: the probe row's NaN is the finite check's failure.
    expect(reasons(await run(BROKEN_MODELS.nanOutput()))).toEqual(
      all('no inference: the model returns NaN/Inf', inference),
    );
    expect(reasons(await run(canonicalModelBytes()))).toEqual({
      non_regression: 'no alias yet (first rollout)',
    });
  });
});

describe('a check added to the registry', () => {
  // Orders no registered check uses, whatever checks are added later.
  const orders = CHECKS.map((c) => c.order);
  const latency = CHECKS.find((c) => c.id === 'latency')?.order as number;
  const afterLatency = Math.min(...orders.filter((o) => o > latency), latency + 2);
  const last = Math.max(...orders) + 1;
  const extended = [...CHECKS, seatCap((latency + afterLatency) / 2)];

  it('runs in its order and appears in the report', async () => {
    const result = await run(canonicalModelBytes(), extended);
    const names = result.checks.map((c) => c.name);
    expect(names.indexOf('seat_cap')).toBe(names.indexOf('latency') + 1);
    expect(result.checks.find((c) => c.name === 'seat_cap')).toMatchObject({
      status: 'passed',
      summary: expect.stringMatching(/^max seat_position \d/),
    });
  });

  it('fails a model like any other check', async () => {
    const strict = defineCheck({ ...seatCap(last), run: () => ({ status: 'failed', summary: 'no' }) });
    const result = await run(canonicalModelBytes(), [...CHECKS, strict]);
    expect(result.failed).toEqual(['seat_cap']);
  });

  it('is skipped with a reason when its needs are missing', async () => {
    const result = await run(BROKEN_MODELS.float64Input(), extended);
    expect(result.checks.find((c) => c.name === 'seat_cap')).toEqual({
      name: 'seat_cap',
      status: 'skipped',
      summary: 'no inference: the contract check failed',
    });
    const comparing = defineCheck({
      id: 'live_seen',
      order: Math.min(...orders) - 1,
      needs: ['liveAccuracy'],
      run: () => ({ status: 'passed', summary: 'compared' }),
    });
    const first = await run(canonicalModelBytes(), [...CHECKS, comparing]);
    expect(first.checks[0]).toEqual({
      name: 'live_seen',
      status: 'skipped',
      summary: 'no alias yet (first rollout)',
    });
    const withLive = await run(canonicalModelBytes(), [...CHECKS, comparing], {
      bytes: canonicalModelBytes(),
    });
    expect(withLive.checks[0]?.status).toBe('passed');
  });

  it('is skipped when its own condition says so, after its needs', async () => {
    const picky = defineCheck({
      ...seatCap(last),
      skipWhen: ({ predictions }) =>
        predictions.length > 10 ? 'only judged on small golden sets' : undefined,
    });
    const result = await run(canonicalModelBytes(), [...CHECKS, picky]);
    expect(result.checks.find((c) => c.name === 'seat_cap')?.summary).toBe(
      'only judged on small golden sets',
    );
  });
});

describe('docs/validation.md', () => {
  it('has one row per check in its checks table, in order', () => {
    const doc = readFileSync(new URL('../../docs/validation.md', import.meta.url), 'utf8');
    const table = doc.slice(doc.indexOf('| check '));
    const rows = table.slice(0, table.indexOf('\n\n')).split('\n').slice(2);
    const documented = rows.map((row) => /^\|\s*`([a-z_]+)`/.exec(row)?.[1]);
    expect(documented).toEqual(inOrder(CHECKS).map((c) => c.id));
  });
});
