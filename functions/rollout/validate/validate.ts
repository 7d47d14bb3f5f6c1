import { boundStrings } from '../../shared/bounded-text.js';
import type { ModelMetadata, ModelSignature } from '../../shared/model-signature.js';
import type { AnyCheck } from './check.js';
import { type Accuracy, measureAccuracy } from './check-accuracy.js';
import type { OnnxFileInfo } from './check-parses.js';
import type { CheckResult } from './check-result.js';
import { CHECKS } from './checks.js';
import type { GoldenData } from './golden-store.js';
import type { LiveInput } from './live-model.js';
import { loadCandidate } from './model-load.js';
import { runChecks } from './run-checks.js';
import { InferenceStoppedError } from './session-process.js';
import { diffSignatures, type SignatureDifference } from './signature-diff.js';
import type { Thresholds } from './thresholds.js';

/**
 * Judges a candidate model with every check of the registry (checks.ts), against the live model when
 * there is one. No AWS here: the handler fetches bytes and data.
 */
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
  /** Every check of the registry, in its order. */
  checks: CheckResult[];
  failed: string[];
  onnx?: OnnxFileInfo;
  signature?: ModelSignature;
  metadata?: ModelMetadata;
  accuracy?: Accuracy;
  live: LiveComparison;
  /** Differences from the live model's signature; null when there is no live signature to compare. */
  signatureDiff: SignatureDifference[] | null;
  timings: { loadMs: number; checksMs: number; liveMs: number };
}

export async function validateModel(
  input: ValidationInput,
  checks: readonly AnyCheck[] = CHECKS,
): Promise<ValidationResult> {
  const t0 = performance.now();
  const live = await evaluateLive(input.live, input.golden, input.thresholds);
  const liveMs = performance.now() - t0;
  const run = await runChecks(
    checks,
    {
      facts: {
        upload: { size: input.size, bytes: input.bytes },
        golden: input.golden,
        liveAccuracy: live.accuracy,
      },
      absent: { liveAccuracy: live.reason ?? 'no live model' },
    },
    input.thresholds,
  );
  const { loaded } = run.facts;
  const signatureDiff =
    loaded && live.signature && live.metadata
      ? diffSignatures({ signature: live.signature, metadata: live.metadata }, loaded)
      : null;
  const failed = run.results.filter((c) => c.status === 'failed').map((c) => c.name);
  // Everything below may quote the model (names, metadata, runtime errors): bounded once, here.
  return boundStrings({
    passed: failed.length === 0,
    checks: run.results,
    failed,
    onnx: run.facts.onnx,
    signature: loaded?.signature,
    metadata: loaded?.metadata,
    accuracy: run.facts.accuracy,
    live,
    signatureDiff,
    timings: { loadMs: run.ms.loads ?? 0, checksMs: performance.now() - t0 - liveMs, liveMs },
  });
}

/** The live model's signature and golden-set accuracy, or why there is none to compare with. */
async function evaluateLive(live: LiveInput, golden: GoldenData, th: Thresholds): Promise<LiveComparison> {
  if ('unavailable' in live) return { compared: false, reason: live.unavailable };
  const loaded = await loadCandidate(
    live.bytes,
    timeLimit('loading the live model', th.loadTimeLimitMs),
  ).catch((err: unknown) => ({ loadError: (err as Error).message }));
  if ('loadError' in loaded) return { compared: false, reason: unusableLive(loaded.loadError) };
  const { model, signature, metadata } = loaded;
  if (!model) {
    const why = loaded.nonFinite ?? loaded.violations.map((v) => v.message).join('; ');
    return { compared: false, reason: unusableLive(why), signature, metadata };
  }
  try {
    const signal = timeLimit("the live model's golden-set run", th.checkTimeLimitMs);
    const accuracy = measureAccuracy(await model.predict(golden.x, signal), golden.y);
    return { compared: true, signature, metadata, accuracy };
  } catch (err) {
    return { compared: false, reason: unusableLive((err as Error).message), signature, metadata };
  } finally {
    await model.release();
  }
}

/** A signal that aborts after `ms`, naming what ran too long (the live model gets the candidate's limits). */
function timeLimit(what: string, ms: number): AbortSignal {
  const controller = new AbortController();
  setTimeout(
    () => controller.abort(new InferenceStoppedError(`${what} ran past its ${ms} ms time limit`)),
    ms,
  ).unref();
  return controller.signal;
}

const unusableLive = (why: string) => `the live model does not load or meet the contract: ${why}`;

/** The error cause Step Functions shows: each failed check with its one-line summary. */
export function rejectionCause(checks: CheckResult[]): string {
  const failed = checks.filter((c) => c.status === 'failed');
  const parts = failed.map(
    (c) => `${c.name}: ${c.summary.length > 300 ? `${c.summary.slice(0, 297)}...` : c.summary}`,
  );
  return `model rejected by ${failed.length} check${failed.length === 1 ? '' : 's'} — ${parts.join('; ')}`;
}
