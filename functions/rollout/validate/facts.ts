import type { LoadedModel } from '../../shared/inference.js';
import type { Accuracy } from './check-accuracy.js';
import type { OnnxFileInfo } from './check-parses.js';
import type { GoldenData } from './golden-store.js';
import type { LoadedCandidate } from './model-load.js';

/**
 * What a check can need: the inputs of a validation, and what earlier checks established about the
 * candidate. A check names the facts it needs (check.ts); validate.ts hands it exactly those, or
 * skips it when one is absent. A check that provides a fact names it, and why it may be absent, in
 * its `provides`.
 */
export interface Facts {
  /** Input: the object's size (S3 ContentLength) and its bytes, unless too big to download. */
  upload: { size: number; bytes?: Uint8Array };
  /** Input: the golden set and the seatpos drivers. */
  golden: GoldenData;
  /** Input: the live model's accuracy on the same golden set; absent on the first rollout, or when the live model cannot be used. */
  liveAccuracy: Accuracy;
  /** size: the model file, within the size limit. */
  bytes: Uint8Array;
  /** parses: what the ONNX file holds. */
  onnx: OnnxFileInfo;
  /** loads: the model as onnxruntime loaded it (signature, metadata, contract violations). */
  loaded: LoadedCandidate;
  /** contract: a model ready for inference, or the NaN/Inf it answered for the probe row. */
  inference: { model: LoadedModel } | { nonFinite: string };
  /** contract: a model ready for inference. */
  model: LoadedModel;
  /** finite: the candidate's predictions for the golden rows, in canonical TARGETS order. */
  predictions: Predictions;
  /** accuracy: the candidate's accuracy on the golden set. */
  accuracy: Accuracy;
}

export type FactName = keyof Facts;

/** Predictions are rows in canonical TARGETS order, one per golden record. */
export type Predictions = ReadonlyArray<ReadonlyArray<number>>;

/** The facts validate.ts supplies before any check runs; every other fact comes from a check. */
export const INPUT_FACTS = ['upload', 'golden', 'liveAccuracy'] as const satisfies readonly FactName[];
export type InputFact = (typeof INPUT_FACTS)[number];
