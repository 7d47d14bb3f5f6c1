import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { GoldenData } from '../../functions/rollout/validate/golden-store.js';
import { DEFAULT_THRESHOLDS, type Thresholds } from '../../functions/rollout/validate/thresholds.js';
import { type ValidationResult, validateModel } from '../../functions/rollout/validate/validate.js';
import { parseDataset, toMatrices } from '../../functions/shared/dataset.js';
import { readSeatpos } from '../../functions/shared/seatpos.js';
import {
  appendedGraphModel,
  canonicalModelBytes,
  emptyNodesModel,
  externalDataModel,
  longMetadataModel,
  slowLoopModel,
} from '../support/onnx-fixtures.js';

/**
 * Models that attack the gate itself: protobuf bombs, external data, text that would flood the
 * report, graphs that run for minutes. Each is rejected with a report (docs/validation.md).
 */
const GOLDEN_PATH = new URL('../../functions/shared/data/golden_set.json', import.meta.url);
// Time limits far above what the default model needs (~0.3 s to load in a child process, ms per
// check) and far below what the slow models take (minutes).
const TH: Thresholds = {
  ...DEFAULT_THRESHOLDS,
  latencyRuns: 1,
  loadTimeLimitMs: 8000,
  checkTimeLimitMs: 4000,
};
let golden: GoldenData;

beforeAll(() => {
  golden = {
    ...toMatrices(parseDataset(JSON.parse(readFileSync(GOLDEN_PATH, 'utf8')))),
    seatpos: readSeatpos(),
  };
});

function validate(bytes: Uint8Array, live: Uint8Array | undefined = undefined, th = TH) {
  return validateModel({
    size: bytes.length,
    bytes,
    golden,
    live: live ? { bytes: live } : { unavailable: 'no alias yet (first rollout)' },
    thresholds: th,
  });
}

const check = (r: ValidationResult, name: string) => r.checks.find((c) => c.name === name);

describe('protobuf bombs', () => {
  it('rejects a valid model with a second graph field of 8 million empty nodes, with a report', async () => {
    const result = await validate(appendedGraphModel(8_000_000));
    expect(result.passed).toBe(false);
    expect(result.failed).toEqual(['parses']);
    expect(check(result, 'parses')?.summary).toBe(
      'beyond the ONNX bounds: 2 `graph` fields (a second one would be merged into the first) (limit 1); ' +
        '8000008 nodes (limit 50000); 8000127 variable-length protobuf fields (limit 2000000)',
    );
    expect(check(result, 'loads')).toMatchObject({ status: 'skipped', summary: 'not an ONNX model' });
  });

  it('rejects a model made of 2 million empty nodes', async () => {
    const result = await validate(emptyNodesModel(2_000_000));
    expect(result.failed).toEqual(['parses']);
    expect(check(result, 'parses')?.details).toMatchObject({ counts: { nodes: 2_000_000 } });
  });

  it('does not let a bomb as the live model stop the candidate from being judged', async () => {
    const result = await validate(canonicalModelBytes(), appendedGraphModel(100_000));
    expect(result.passed).toBe(true);
    expect(result.live).toMatchObject({ compared: false });
    expect(result.live.reason).toMatch(/beyond the ONNX bounds/);
  });
});

describe('external data and report text', () => {
  it('refuses a tensor stored outside the file, naming it', async () => {
    const result = await validate(externalDataModel('/etc/passwd'));
    expect(result.failed).toEqual(['parses']);
    expect(check(result, 'parses')?.summary).toMatch(
      /1 tensor\(s\) keep their data outside the file \(first: "weights"\)/,
    );
  });

  it('bounds every string the report takes from the model', async () => {
    const result = await validate(longMetadataModel(1_000_000));
    expect(result.passed).toBe(true);
    expect(result.metadata?.leak).toMatch(/^x{300}… \(999700 more characters\)$/);
    expect(JSON.stringify(result).length).toBeLessThan(50_000);
  });
});

describe('time limits', () => {
  it('rejects a model whose graph runs for minutes when loading, and kills its process', async () => {
    const started = performance.now();
    const result = await validate(slowLoopModel(1e12));
    expect(performance.now() - started).toBeLessThan(60_000);
    expect(result.failed).toEqual(['loads']);
    expect(check(result, 'loads')?.summary).toBe(
      'did not finish within its 8000 ms time limit; its inference process was killed',
    );
    expect(check(result, 'finite')?.status).toBe('skipped');
  });

  it('gives each check its own limit: the golden-set run overruns, later inference checks are skipped', async () => {
    // 20 000 loop iterations per row: the 2 probe rows take ~0.1 s, the 1000 golden rows ~1 min.
    const result = await validate(slowLoopModel({ perRow: 20_000 }));
    expect(check(result, 'loads')?.status).toBe('passed');
    expect(check(result, 'finite')).toMatchObject({
      status: 'failed',
      summary: 'did not finish within its 4000 ms time limit; its inference process was killed',
    });
    expect(check(result, 'seatpos')).toMatchObject({
      status: 'skipped',
      summary: 'inference stopped: the finite check ran past its 4000 ms time limit',
    });
    expect(result.passed).toBe(false);
  });
});
