// STUB — interface agreed between the dataset/trainer and recommend work; implemented by the trainer work.
import type { Dataset } from '../dataset.js';

export interface TrainedModel {
  /** e.g. "ridge" or "ridge+height2" — what was fitted. */
  kind: string;
  /** A complete ONNX model meeting docs/model-contract.md, with metadata_props. */
  onnx: Uint8Array;
  /** In-memory predictions, rows in FEATURES order in, rows in TARGETS order out. */
  predict(x: number[][]): number[][];
  metadata: Record<string, string>;
}

export interface TrainOptions {
  modelName?: string;
  trainedAt?: string;
}

export function trainModel(_dataset: Dataset, _opts: TrainOptions = {}): TrainedModel {
  throw new Error('not implemented yet');
}
