import { type LoadedModel, loadModel, ModelContractError } from '../shared/inference.js';
import {
  type FetchedModel,
  fetchVerifiedModel,
  ModelIntegrityError,
  type ModelLocation,
  ModelUnavailableError,
} from '../shared/model-store.js';
import type { FallbackModel } from './fallback.js';

/**
 * Which model an environment serves: the pinned one (loaded once, shared by concurrent first
 * requests) or, when that cannot be served, the template-trained fallback marked degraded. A
 * degraded environment retries the pinned model in the background so it recovers without a
 * cold start once S3 serves the right bytes.
 */

/** What `model.key` says when the fallback served: it came from no S3 object. */
export const FALLBACK_KEY = 'fallback:json_template.json';

/** Why the fallback served; stable codes for clients and probes (details go to the log). */
export type DegradedReason = 'model_unavailable' | 'model_integrity' | 'model_invalid' | 'model_load_failed';

export interface ServedModel {
  model: LoadedModel;
  key: string;
  sha256: string;
  degraded: boolean;
  reason?: DegradedReason;
}

export interface LoadedInfo {
  key: string;
  sha256: string;
  source: FetchedModel['source'];
  discardedCache: boolean;
  downloadMs: number;
  verifyMs: number;
  /** Runtime initialisation, overlapping the download (downloadMs is wall time and includes it). */
  warmUpMs: number;
  sessionMs: number;
}

export interface ModelProviderDeps {
  location: ModelLocation;
  fallback: () => Promise<FallbackModel>;
  fetchModel?: (loc: ModelLocation) => Promise<FetchedModel>;
  loadModel?: (bytes: Uint8Array) => Promise<LoadedModel>;
  /** Runs while the bytes download (e.g. onnxruntime's one-time initialisation); never fails the load. */
  warmUp?: () => Promise<unknown>;
  retryAfterMs?: number;
  now?: () => number;
  onLoaded?: (info: LoadedInfo) => void;
  onDegraded?: (
    reason: DegradedReason,
    error: Error,
    fallback: { sha256: string; kind?: string; trainMs?: number },
  ) => void;
  onRetryFailed?: (reason: DegradedReason, error: Error) => void;
}

export interface ModelProvider {
  /** The model to serve; resolves once per environment, then returns the same settled promise. */
  get(): Promise<ServedModel>;
  /** The served model once loaded (for metrics dimensions on requests that never needed it). */
  current(): ServedModel | undefined;
}

export function degradedReason(err: unknown): DegradedReason {
  if (err instanceof ModelUnavailableError) return 'model_unavailable';
  if (err instanceof ModelIntegrityError) return 'model_integrity';
  if (err instanceof ModelContractError) return 'model_invalid';
  return 'model_load_failed';
}

export function createModelProvider(deps: ModelProviderDeps): ModelProvider {
  const fetchModel = deps.fetchModel ?? fetchVerifiedModel;
  const load = deps.loadModel ?? loadModel;
  const now = deps.now ?? Date.now;
  const retryAfterMs = deps.retryAfterMs ?? 60_000;
  let pending: Promise<ServedModel> | undefined;
  let current: ServedModel | undefined;
  let retryAt = Number.POSITIVE_INFINITY;
  let retrying = false;

  async function loadPinned(): Promise<ServedModel> {
    const fetching = fetchModel(deps.location);
    // A rejection while the warm-up runs is handled by the await below, not reported as unhandled.
    fetching.catch(() => undefined);
    // Started after the request is on its way, so the CPU-bound warm-up overlaps the network wait.
    const w = performance.now();
    await deps.warmUp?.().catch(() => undefined);
    const warmUpMs = performance.now() - w;
    const fetched = await fetching;
    const t = performance.now();
    const model = await load(fetched.bytes);
    deps.onLoaded?.({
      key: deps.location.key,
      sha256: deps.location.sha256,
      source: fetched.source,
      discardedCache: fetched.discardedCache,
      downloadMs: fetched.downloadMs,
      verifyMs: fetched.verifyMs,
      warmUpMs,
      sessionMs: performance.now() - t,
    });
    return { model, key: deps.location.key, sha256: deps.location.sha256, degraded: false };
  }

  async function loadAny(): Promise<ServedModel> {
    try {
      return await loadPinned();
    } catch (err) {
      const reason = degradedReason(err);
      let fb: FallbackModel;
      try {
        fb = await deps.fallback();
      } catch (fallbackErr) {
        throw new AggregateError(
          [err, fallbackErr],
          `pinned model failed (${reason}) and so did the fallback`,
        );
      }
      deps.onDegraded?.(reason, err as Error, { sha256: fb.sha256, kind: fb.kind, trainMs: fb.trainMs });
      retryAt = now() + retryAfterMs;
      return { model: fb.model, key: FALLBACK_KEY, sha256: fb.sha256, degraded: true, reason };
    }
  }

  function retryInBackground(): void {
    retrying = true;
    loadPinned()
      .then((served) => {
        current = served;
        pending = Promise.resolve(served);
      })
      .catch((err: unknown) => {
        retryAt = now() + retryAfterMs;
        deps.onRetryFailed?.(degradedReason(err), err as Error);
      })
      .finally(() => {
        retrying = false;
      });
  }

  return {
    get() {
      if (current) {
        if (current.degraded && !retrying && now() >= retryAt) retryInBackground();
        return pending as Promise<ServedModel>;
      }
      if (!pending) {
        pending = loadAny().then(
          (served) => {
            current = served;
            return served;
          },
          (err: unknown) => {
            // Even the fallback failed: let the next request start over instead of caching the failure.
            pending = undefined;
            throw err;
          },
        );
      }
      return pending;
    },
    current: () => current,
  };
}
