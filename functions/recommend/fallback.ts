import { readFile, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseDataset } from '../shared/dataset.js';
import { type LoadedModel, loadModel } from '../shared/inference.js';
import { trainModel } from '../shared/model/trainer.js';
import { sha256Hex } from '../shared/model-store.js';

/**
 * The degraded mode kept from the old service: when the pinned model cannot be served, train one
 * in memory from the template that ships with the function. It goes through the same ONNX path as
 * a real model, so the response code never has two ways to predict.
 */

/** The bundler copies the template next to the bundle, so this resolves from source and from dist. */
export const TEMPLATE_URL = new URL('./json_template.json', import.meta.url);

export { FALLBACK_KEY } from './model-provider.js';

export interface FallbackModel {
  model: LoadedModel;
  sha256: string;
  kind: string;
  trainMs: number;
}

export async function trainFallback(templateUrl: URL = TEMPLATE_URL): Promise<FallbackModel> {
  const t = performance.now();
  const path = fileURLToPath(templateUrl);
  const dataset = parseDataset(JSON.parse(await readFile(path, 'utf8')));
  // trained_at = the template's mtime, not now: every environment of a deployment then trains
  // byte-identical fallbacks, so the fallback sha256 (a metrics dimension) does not multiply.
  const trainedAt = (await stat(path)).mtime.toISOString();
  const trained = trainModel(dataset, { modelName: 'fallback-from-template', trainedAt });
  const model = await loadModel(trained.onnx);
  return { model, sha256: sha256Hex(trained.onnx), kind: trained.kind, trainMs: performance.now() - t };
}
