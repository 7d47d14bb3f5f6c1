import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEATURES, METADATA_KEYS, TARGETS } from '../../functions/shared/contract.js';
import { type Dataset, parseDataset, toMatrices } from '../../functions/shared/dataset.js';
import { crossValidate, rmsePerTarget } from '../../functions/shared/model/evaluate.js';
import { decodeMetadata } from '../../functions/shared/model/onnx-builder.js';
import { choleskySolve, fitRidge, predictLinear } from '../../functions/shared/model/ridge.js';
import {
  DEFAULT_KIND,
  InvalidTrainingDataError,
  MODEL_KINDS,
  trainModel,
} from '../../functions/shared/model/trainer.js';

const TEMPLATE = new URL('../../functions/recommend/json_template.json', import.meta.url);
const GOLDEN = new URL('../../functions/shared/data/golden_set.json', import.meta.url);
let template: Dataset;
let golden: Dataset;

beforeAll(async () => {
  template = parseDataset(JSON.parse(await readFile(TEMPLATE, 'utf8')));
  golden = parseDataset(JSON.parse(await readFile(GOLDEN, 'utf8')));
});

async function onnxPredict(bytes: Uint8Array, x: number[][]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const out = await session.run({
      input: new ort.Tensor('float32', Float32Array.from(x.flat()), [x.length, 6]),
    });
    return (out.output as ort.Tensor).data as Float32Array;
  } finally {
    await session.release();
  }
}

describe('ridge regression', () => {
  it('solves a symmetric positive definite system', () => {
    const a = [
      [4, 2, 0.6],
      [2, 5, 1],
      [0.6, 1, 3],
    ];
    const x = choleskySolve(a, [[1], [2], [3]]);
    const back = a.map((row) => row.reduce((s, v, j) => s + v * ((x[j] as number[])[0] as number), 0));
    back.forEach((v, i) => {
      expect(v).toBeCloseTo(i + 1, 10);
    });
  });

  it('recovers the coefficients of a noiseless multi-output linear map, columns on any scale', () => {
    const x = Array.from({ length: 200 }, (_, i) => [150 + (i % 50), Math.sin(i) * 1000, (i * 7) % 13]);
    const truth = (r: number[]) => [
      3 + 0.5 * (r[0] as number) - 0.002 * (r[1] as number),
      -7 + 2 * (r[2] as number),
    ];
    const fit = fitRidge(x, x.map(truth), 1e-9);
    for (const r of [
      [170, 400, 5],
      [210, -900, 12],
    ]) {
      const [a, b] = predictLinear(fit, r);
      const [ea, eb] = truth(r);
      expect(a).toBeCloseTo(ea as number, 6);
      expect(b).toBeCloseTo(eb as number, 6);
    }
  });

  it('does not blow up on a constant column', () => {
    const x = Array.from({ length: 20 }, (_, i) => [i, 1]);
    const fit = fitRidge(
      x,
      x.map((r) => [2 * (r[0] as number)]),
      1e-9,
    );
    expect(predictLinear(fit, [30, 1])[0]).toBeCloseTo(60, 6);
  });
});

describe('trainModel on the template', () => {
  it.each(MODEL_KINDS)('%s: onnxruntime predictions equal predict() to float32 precision', async (kind) => {
    const m = trainModel(template, { kind });
    expect(m.kind).toBe(kind);
    for (const d of [template, golden]) {
      const { x } = toMatrices(d);
      const expected = m.predict(x);
      const actual = await onnxPredict(m.onnx, x);
      // Error per target relative to that target's largest magnitude: float32 epsilon is 1.2e-7 and
      // rounding the inputs, weights and three ops costs a few of them (measured ≤ 8.5e-7).
      const worst = new Array<number>(TARGETS.length).fill(0);
      const scale = new Array<number>(TARGETS.length).fill(1);
      expected.forEach((row, i) => {
        row.forEach((e, k) => {
          worst[k] = Math.max(worst[k] as number, Math.abs((actual[i * 7 + k] as number) - e));
          scale[k] = Math.max(scale[k] as number, Math.abs(e));
        });
      });
      worst.forEach((w, k) => {
        expect(w / (scale[k] as number), TARGETS[k]).toBeLessThan(4e-6);
      });
    }
  });

  it('writes the metadata it was given, and a deterministic default data hash', () => {
    const m = trainModel(template, {
      modelName: 'm1',
      trainedAt: '2026-11-27T00:00:00Z',
      trainingDataSha256: 'ab'.repeat(32),
    });
    const md = decodeMetadata(m.onnx);
    expect(md).toEqual(m.metadata);
    expect(md[METADATA_KEYS.modelName]).toBe('m1');
    expect(md[METADATA_KEYS.trainedAt]).toBe('2026-11-27T00:00:00Z');
    expect(md[METADATA_KEYS.trainingDataSha256]).toBe('ab'.repeat(32));
    expect(JSON.parse(md[METADATA_KEYS.features] as string)).toEqual([...FEATURES]);
    expect(JSON.parse(md[METADATA_KEYS.targets] as string)).toEqual([...TARGETS]);
    expect(JSON.parse(md[METADATA_KEYS.referenceVehicle] as string)).toEqual(template.reference_vehicle);

    const a = trainModel(template).metadata[METADATA_KEYS.trainingDataSha256];
    const b = trainModel(template).metadata[METADATA_KEYS.trainingDataSha256];
    const other = trainModel({ ...template, records: template.records.slice(1) }).metadata[
      METADATA_KEYS.trainingDataSha256
    ];
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(a).toBe(b);
    expect(other).not.toBe(a);
  });

  it('is fast enough to be the recommend function cold-start fallback (< 100 ms for the template)', () => {
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      trainModel(template);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    expect(template.records.length).toBeGreaterThanOrEqual(3000);
    expect(times[2]).toBeLessThan(100);
  });

  it('rejects a dataset without a contract feature or target', () => {
    expect(() =>
      trainModel({ ...template, features: template.features.filter((f) => f !== 'torso') }),
    ).toThrow(InvalidTrainingDataError);
    expect(() => trainModel({ ...template, targets: ['seat_position'] })).toThrow(/no target "seat_height"/);
    expect(() => trainModel({ ...template, records: template.records.slice(0, 5) })).toThrow(
      /only 5 records/,
    );
  });
});

describe('model kind choice (documented in docs/model-contract.md)', () => {
  it('the default kind cross-validates at least as well as plain ridge and generalises to the golden tails', () => {
    const { x, y } = toMatrices(template);
    const cv = Object.fromEntries(MODEL_KINDS.map((k) => [k, crossValidate(x, y, k)]));
    expect(cv[DEFAULT_KIND]?.relativeRmse).toBeLessThanOrEqual(cv.ridge?.relativeRmse as number);

    const g = toMatrices(golden);
    const sd = rmsePerTarget(
      g.y.map(() => TARGETS.map((_, k) => g.y.reduce((s, r) => s + (r[k] as number), 0) / g.y.length)),
      g.y,
    );
    const relative = (kind: (typeof MODEL_KINDS)[number]) =>
      rmsePerTarget(trainModel(template, { kind }).predict(g.x), g.y).reduce(
        (s, r, k) => s + r / (sd[k] as number),
        0,
      );
    expect(relative(DEFAULT_KIND)).toBeLessThan(relative('ridge'));
  });
});

describe('hypermob train', () => {
  const exec = promisify(execFile);
  const cli = ['tsx', 'scripts/cli.ts', 'train'];
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hypermob-train-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a model and prints kind, rows, RMSE per target and the sha256 of the file', async () => {
    const out = join(dir, 'model.onnx');
    const { stdout } = await exec('npx', [...cli, '--out', out, '--name', 'cli-test'], {
      cwd: process.cwd(),
    });
    const bytes = await readFile(out);
    expect(stdout).toContain(`kind    ${DEFAULT_KIND}`);
    expect(stdout).toContain(`rows    ${template.records.length}`);
    for (const t of TARGETS) expect(stdout).toMatch(new RegExp(`${t}\\s+\\d+\\.\\d+ `));
    expect(stdout).toContain(`sha256  ${createHash('sha256').update(bytes).digest('hex')}`);
    const md = decodeMetadata(bytes);
    expect(md[METADATA_KEYS.modelName]).toBe('cli-test');
    expect(md[METADATA_KEYS.trainingDataSha256]).toBe(
      createHash('sha256')
        .update(await readFile(TEMPLATE))
        .digest('hex'),
    );
  });

  it('fails with a clear message and a non-zero exit on a missing or invalid data file', async () => {
    const out = join(dir, 'never.onnx');
    await expect(
      exec('npx', [...cli, '--out', out, '--data', join(dir, 'missing.json')]),
    ).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('cannot read data file'),
    });
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '{"schema_version": 1, "records": "no"}');
    await expect(exec('npx', [...cli, '--out', out, '--data', bad])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('invalid data file'),
    });
  });
});
