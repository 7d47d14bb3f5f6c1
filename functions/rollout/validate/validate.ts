import { TARGETS } from '../../shared/contract.js';
import type { LoadedModel } from '../../shared/inference.js';
import type { ModelMetadata, ModelSignature } from '../../shared/model-signature.js';
import type { Seatpos } from '../../shared/seatpos.js';
import { type Accuracy, checkAccuracy, checkNonRegression, measureAccuracy } from './check-accuracy.js';
import { checkLatency, measureLatency } from './check-latency.js';
import { loadAndCheckContract } from './check-model.js';
import { checkFinite, checkRanges } from './check-outputs.js';
import { inspectOnnx, type OnnxFileInfo } from './check-parses.js';
import { type CheckName, type CheckResult, skipped } from './check-result.js';
import { checkSeatpos } from './check-seatpos.js';
import { checkSize } from './check-size.js';
import { diffSignatures, type SignatureDifference } from './signature-diff.js';
import type { Thresholds } from './thresholds.js';

/**
 * Runs every check on a candidate model and never stops at the first failure: a rejected model's
 * report lists everything wrong with it. Checks that cannot run (the model did not load, there is no
 * live model) are `skipped` with the reason. No AWS here: the handler fetches bytes and data.
 */
export interface GoldenData {
  /** Golden feature rows in canonical FEATURES order. */
  x: number[][];
  /** Golden targets in canonical TARGETS order. */
  y: number[][];
  seatpos: Seatpos;
}

export type LiveInput = { bytes: Uint8Array } | { unavailable: string };

export interface ValidationInput {
  /** The object's size in bytes (S3 ContentLength). */
  size: number;
  /** The model file; absent when the object was too big to download. */
  bytes?: Uint8Array;
  golden: GoldenData;
  live: LiveInput;
  thresholds: Thresholds;
}

export interface LiveComparison {
  compared: boolean;
  /** Why the comparison checks were skipped. */
  reason?: string;
  signature?: ModelSignature;
  metadata?: ModelMetadata;
  accuracy?: Accuracy;
}

export interface ValidationResult {
  passed: boolean;
  /** Every check, in CHECK_NAMES order. */
  checks: CheckResult[];
  failed: CheckName[];
  onnx?: OnnxFileInfo;
  signature?: ModelSignature;
  metadata?: ModelMetadata;
  accuracy?: Accuracy;
  live: LiveComparison;
  /** Differences from the live model's signature; null when there is no live signature to compare. */
  signatureDiff: SignatureDifference[] | null;
  timings: { loadMs: number; checksMs: number; liveMs: number };
}

export async function validateModel(input: ValidationInput): Promise<ValidationResult> {
  const { bytes, golden, thresholds: th } = input;
  const t0 = performance.now();
  const checks: CheckResult[] = [];
  const size = checkSize(input.size, th.maxModelBytes);
  checks.push(size);
  let parsed: ReturnType<typeof inspectOnnx> | undefined;
  let model: LoadedModel | undefined;
  let loadMs = 0;
  let signature: ModelSignature | undefined;
  let metadata: ModelMetadata | undefined;
  let nonFinite: string | undefined;
  if (input.size > th.maxModelBytes || !bytes) {
    // Too big to read safely: the handler does not download it, and nothing else can be judged.
    for (const name of ['parses', 'loads', 'contract'] as const)
      checks.push(skipped(name, 'over the size limit'));
  } else {
    parsed =
      bytes.length === 0
        ? { check: { name: 'parses', status: 'failed', summary: 'the file is empty' } }
        : inspectOnnx(bytes);
    checks.push(parsed.check);
    if (parsed.check.status === 'failed') {
      checks.push(skipped('loads', 'not an ONNX model'), skipped('contract', 'not an ONNX model'));
    } else {
      const outcome = await loadAndCheckContract(bytes);
      checks.push(outcome.loads, outcome.contract);
      ({ model, loadMs, signature, metadata, nonFinite } = outcome);
    }
  }

  const liveStart = performance.now();
  const live = await evaluateLive(input.live, golden);
  const liveMs = performance.now() - liveStart;

  let accuracy: Accuracy | undefined;
  try {
    if (model) {
      accuracy = await runInferenceChecks(model, golden, th, live, checks);
    } else if (nonFinite) {
      checks.push({ name: 'finite', status: 'failed', summary: nonFinite, details: { probe: true } });
      for (const name of ['ranges', 'accuracy', 'non_regression', 'latency', 'seatpos'] as const) {
        checks.push(skipped(name, 'no inference: the model returns NaN/Inf'));
      }
    } else {
      const why = checks.find((c) => c.status === 'failed')?.name ?? 'contract';
      for (const name of ['finite', 'ranges', 'accuracy', 'non_regression', 'latency', 'seatpos'] as const) {
        checks.push(skipped(name, `no inference: the ${why} check failed`));
      }
    }
  } finally {
    await model?.release();
  }

  const signatureDiff =
    signature && metadata && live.signature && live.metadata
      ? diffSignatures({ signature: live.signature, metadata: live.metadata }, { signature, metadata })
      : null;
  const failed = checks.filter((c) => c.status === 'failed').map((c) => c.name);
  return {
    passed: failed.length === 0,
    checks,
    failed,
    onnx: parsed?.info,
    signature,
    metadata,
    accuracy,
    live,
    signatureDiff,
    timings: { loadMs, checksMs: performance.now() - t0 - liveMs, liveMs },
  };
}

async function runInferenceChecks(
  model: LoadedModel,
  golden: GoldenData,
  th: Thresholds,
  live: LiveComparison,
  checks: CheckResult[],
): Promise<Accuracy> {
  const pred = await model.predict(golden.x);
  checks.push(checkFinite(pred), checkRanges(pred, th.rangeMargin, th.maxOutOfRangeFraction));
  const accuracy = measureAccuracy(pred, golden.y);
  checks.push(checkAccuracy(accuracy, th.accuracyRmseFactor));
  if (!live.accuracy) {
    checks.push(skipped('non_regression', live.reason ?? 'no live model'));
  } else if (!Number.isFinite(live.accuracy.headline)) {
    checks.push(skipped('non_regression', `the live model's headline is ${live.accuracy.headline}`));
  } else {
    checks.push(checkNonRegression(accuracy, live.accuracy, th.maxRegression));
  }
  const latency = await measureLatency(() => model.predict(golden.x), golden.x.length, th.latencyRuns);
  checks.push(checkLatency(latency, golden.x.length, th.latencyBudgetUsPerRow));
  const seat = TARGETS.indexOf('seat_position');
  const seatPosition = (await model.predict(golden.seatpos.rows)).map((r) => r[seat] as number);
  checks.push(checkSeatpos(seatPosition, golden.seatpos, th.seatposMinR));
  return accuracy;
}

/** The live model's signature and golden-set accuracy, or why there is none to compare with. */
async function evaluateLive(live: LiveInput, golden: GoldenData): Promise<LiveComparison> {
  if ('unavailable' in live) return { compared: false, reason: live.unavailable };
  const outcome = await loadAndCheckContract(live.bytes);
  const { model } = outcome;
  if (!model) {
    return {
      compared: false,
      reason: `the live model does not load or meet the contract: ${
        outcome.nonFinite ??
        (outcome.loads.status === 'failed' ? outcome.loads.summary : outcome.contract.summary)
      }`,
      signature: outcome.signature,
      metadata: outcome.metadata,
    };
  }
  try {
    const accuracy = measureAccuracy(await model.predict(golden.x), golden.y);
    return { compared: true, signature: model.signature, metadata: model.metadata, accuracy };
  } finally {
    await model.release();
  }
}

/** The error cause Step Functions shows: each failed check with its one-line summary. */
export function rejectionCause(checks: CheckResult[]): string {
  const failed = checks.filter((c) => c.status === 'failed');
  const parts = failed.map(
    (c) => `${c.name}: ${c.summary.length > 300 ? `${c.summary.slice(0, 297)}...` : c.summary}`,
  );
  return `model rejected by ${failed.length} check${failed.length === 1 ? '' : 's'} — ${parts.join('; ')}`;
}
