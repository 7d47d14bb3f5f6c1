import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODEL_BUCKET_NAME } from '../../system/manifest.js';
import { type LocalCloudFixture, REPO_ROOT, startLocalCloudFixture } from '../support/local-cloud.js';
import { outOfRangeModel } from '../support/onnx-fixtures.js';
import { live, variant, weights } from '../support/rollout-helpers.js';

/**
 * The operator CLI as an operator runs it: `hypermob …` as a subprocess (no terminal, so no
 * colours or redraws) against a local cloud, asserting on exit codes and output.
 */

let f: LocalCloudFixture;
let work: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function hypermob(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', path.join(REPO_ROOT, 'scripts/cli.ts'), ...args],
      { cwd: REPO_ROOT, env: { ...f.env, NO_COLOR: '' }, timeout: 150_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function file(name: string, bytes: Uint8Array): Promise<string> {
  const p = path.join(work, name);
  await writeFile(p, bytes);
  return p;
}

async function exists(key: string): Promise<boolean> {
  return f.clients.s3
    .send(new HeadObjectCommand({ Bucket: MODEL_BUCKET_NAME, Key: key }))
    .then(() => true)
    .catch(() => false);
}

beforeAll(async () => {
  f = await startLocalCloudFixture();
  work = await mkdtemp(path.join(tmpdir(), 'hypermob-operator-'));
}, 240_000);
afterAll(async () => {
  await f?.stop();
  await rm(work, { recursive: true, force: true });
});

// Every call starts Node with tsx: seconds each on a busy 2-core machine.
const SLOW = 300_000;

describe('hypermob operator CLI on the local cloud', () => {
  it(
    'refuses a pickle renamed .onnx before uploading anything',
    async () => {
      const pickle = await file('pickled.onnx', new Uint8Array([0x80, 0x04, 0x95, 0x10, 0, 0, 0]));
      const r = await hypermob('upload', pickle, '--key', 'pickled.onnx');
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(
        /refusing .*pickled\.onnx: it is a Python pickle, not an ONNX model.*nothing was uploaded/,
      );
      expect(await exists('pickled.onnx')).toBe(false);
    },
    SLOW,
  );

  it(
    'a good upload: the checks, the version, exit 0 "live on version N"',
    async () => {
      const model = await file('good.onnx', variant(1));
      const r = await hypermob('upload', model, '--key', 'car_fit_model.onnx', '--strategy', 'all-at-once');
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/local validation/);
      expect(r.stdout).toMatch(/✓ accuracy +every target within 1\.25 × its noise floor/);
      const version = /published version (\d+)/.exec(r.stdout)?.[1];
      expect(r.stdout).toContain(`✓ live on version ${version}`);
      expect((await live(f)).FunctionVersion).toBe(version);
      // No terminal: no escape sequences, no spinner.
      expect(r.stdout).not.toContain('\u001b[');
      expect(r.stdout).not.toContain('⠋');
    },
    SLOW,
  );

  it(
    'a rejected upload: non-zero, names the failed check, live untouched',
    async () => {
      const before = (await live(f)).FunctionVersion;
      const model = await file('bad.onnx', outOfRangeModel());
      const local = await hypermob('validate', model);
      expect(local.code).toBe(3);
      expect(local.stdout).toMatch(/✗ ranges/);
      const r = await hypermob(
        'upload',
        model,
        '--key',
        'bad.onnx',
        '--strategy',
        'all-at-once',
        '--skip-local-validation',
      );
      expect(r.code).toBe(3);
      expect(r.stdout).toMatch(/✗ rejected by [a-z_, ]*ranges/);
      expect((await live(f)).FunctionVersion).toBe(before);
    },
    SLOW,
  );

  it(
    'status, history and report, as text and as JSON',
    async () => {
      const status = await hypermob('status', '--json');
      expect(status.code).toBe(0);
      const s = JSON.parse(status.stdout);
      expect(s.live.primary).toBe((await live(f)).FunctionVersion);
      expect(s.versions[0]).toMatchObject({
        modelKey: 'car_fit_model.onnx',
        sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
      expect((await hypermob('status')).stdout).toMatch(/live: version \d+ 100 %/);

      const history = await hypermob('history', '--json', '--limit', '5');
      const h = JSON.parse(history.stdout);
      expect(h.rollouts.map((x: { status: string }) => x.status)).toEqual(
        expect.arrayContaining(['completed', 'rejected']),
      );
      const text = (await hypermob('history')).stdout;
      expect(text).toMatch(/rejected +bad\.onnx .*ranges/);

      const report = await hypermob('report', 'latest', '--json');
      expect(JSON.parse(report.stdout)).toMatchObject({
        passed: false,
        failed: expect.arrayContaining(['ranges']),
      });
      const rendered = (await hypermob('report', 'latest')).stdout;
      expect(rendered).toMatch(/signature diff against the live model/);
      expect((await hypermob('report', 'no-such-execution')).code).toBe(7);
    },
    SLOW,
  );

  it(
    'A/B: upload exits 0 with the experiment running; abort, promote, rollback follow their commands',
    async () => {
      const first = await file('ab1.onnx', variant(2));
      const ab = await hypermob(
        'upload',
        first,
        '--key',
        'car_fit_model.onnx',
        '--strategy',
        'ab',
        '--weight',
        '0.5',
        '--skip-local-validation',
      );
      expect(ab.code).toBe(0);
      expect(ab.stdout).toMatch(/experiment running: version (\d+) takes 50 %/);
      const candidate = /experiment running: version (\d+)/.exec(ab.stdout)?.[1] ?? '';
      expect(weights(await live(f))).toEqual({ [candidate]: 0.5 });

      const abort = await hypermob('abort');
      expect(abort.code).toBe(0);
      expect(weights(await live(f))).toEqual({});
      const nothing = await hypermob('promote');
      expect(nothing.code).toBe(6);
      expect(nothing.stdout).toMatch(/nothing to promote/);

      const second = await file('ab2.onnx', variant(3));
      await hypermob(
        'upload',
        second,
        '--key',
        'car_fit_model.onnx',
        '--strategy',
        'ab',
        '--weight',
        '0.2',
        '--skip-local-validation',
      );
      const before = (await live(f)).FunctionVersion;
      const promote = await hypermob('promote');
      expect(promote.code).toBe(0);
      const promoted = (await live(f)).FunctionVersion;
      expect(promoted).not.toBe(before);

      // Rollback walks back to the version before, never to the aborted candidate.
      const rollback = await hypermob('rollback');
      expect(rollback.code).toBe(0);
      expect((await live(f)).FunctionVersion).toBe(before);
      expect((await live(f)).FunctionVersion).not.toBe(candidate);
      expect((await hypermob('rollback', '--to', '999')).code).toBe(7);
      const legacy = await hypermob('rollout', 'rollback', '--version', promoted ?? '');
      expect(legacy.code).toBe(0);
      expect(legacy.stderr).toMatch(/is now "hypermob rollback --to/);
    },
    SLOW,
  );

  it('bad arguments are one readable line; an endpoint that does not answer says what to do', async () => {
    const bad = await hypermob(
      'upload',
      path.join(work, 'good.onnx'),
      '--strategy',
      'canary',
      '--weight',
      '10',
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/weight must be < 1/);
    const flag = await hypermob(
      'upload',
      path.join(work, 'good.onnx'),
      '--strategy',
      'canary',
      '--step',
      '0.1',
    );
    expect(flag.stderr).toMatch(/--step does not apply to canary/);
    const down = await hypermob('status', '--endpoint-url', 'http://127.0.0.1:9');
    expect(down.code).toBe(9);
    expect(down.stderr).toMatch(/cannot reach http:\/\/127\.0\.0\.1:9 .*npm start/);
  });
});
