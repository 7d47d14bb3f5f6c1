import { readFile } from 'node:fs/promises';
import { DEFAULT_THRESHOLDS } from '../../functions/rollout/validate/thresholds.js';
import { validateModel } from '../../functions/rollout/validate/validate.js';
import { parseDataset, toMatrices } from '../../functions/shared/dataset.js';
import { readSeatpos } from '../../functions/shared/seatpos.js';
import type { ReportView } from '../read-model/views.js';

/**
 * The validation gate's checks (functions/rollout/validate/checks.ts, the same registry and runner)
 * run here, before anything is uploaded, against the committed golden data the bucket's golden/
 * copy is seeded from, with the default thresholds. No live model: the comparison check is skipped
 * and the pipeline, which compares with what serves, stays the authority.
 */
export const GOLDEN_SET_URL = new URL('../../functions/shared/data/golden_set.json', import.meta.url);
export const NOT_COMPARED = 'local validation does not compare with the live model; the pipeline does';

export async function validateLocally(path: string, bytes: Uint8Array): Promise<ReportView> {
  const golden = toMatrices(parseDataset(JSON.parse(await readFile(GOLDEN_SET_URL, 'utf8'))));
  const result = await validateModel({
    size: bytes.length,
    bytes,
    golden: { ...golden, seatpos: readSeatpos() },
    live: { unavailable: NOT_COMPARED },
    thresholds: DEFAULT_THRESHOLDS,
  });
  return {
    execution: 'local',
    key: path,
    generatedAt: new Date().toISOString(),
    passed: result.passed,
    failed: result.failed,
    model: { key: path, sha256: null, size: bytes.length, metadata: result.metadata ?? {} },
    live: { version: null, compared: false, reason: NOT_COMPARED },
    checks: result.checks.map((c) => ({ ...c })),
    signatureDiff: null,
  };
}
