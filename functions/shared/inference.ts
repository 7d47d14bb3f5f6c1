import { InferenceSession, Tensor } from 'onnxruntime-node';
import { boundText } from './bounded-text.js';
import { ACTUATOR_RANGES, FEATURES, TARGETS, type Target } from './contract.js';
import {
  type ColumnOrder,
  type ContractViolation,
  checkContract,
  columnOrder,
  INPUT_WIDTH,
  type ModelMetadata,
  type ModelSignature,
  OUTPUT_WIDTH,
  readMetadataProps,
  readSignature,
} from './model-signature.js';
import { boundViolations, scanOnnx } from './onnx-bounds.js';

/**
 * Serving a model that meets docs/model-contract.md: callers speak the canonical FEATURES/TARGETS
 * order, the model may use its own (metadata `features`/`targets`). Index maps are built once at
 * load so the warm path is a copy into a reused Float32Array, one session.run and a copy out.
 */

/** The model breaks the contract (or is not ONNX at all); `violations` says how. */
export class ModelContractError extends Error {
  override name = 'ModelContractViolation';
  constructor(
    message: string,
    readonly violations: ContractViolation[],
    options?: ErrorOptions & { found?: { signature: ModelSignature; metadata: ModelMetadata } },
  ) {
    super(message, options);
    this.found = options?.found;
  }
  /** The signature and metadata of a model that loaded but breaks the contract. */
  readonly found?: { signature: ModelSignature; metadata: ModelMetadata };
}

export interface LoadedModel {
  readonly signature: ModelSignature;
  readonly metadata: ModelMetadata;
  /** The model's own column order (canonical when it carries no metadata). */
  readonly order: ColumnOrder;
  /**
   * Rows in canonical FEATURES order in, rows in canonical TARGETS order out. `signal` stops the
   * run where the session can be stopped (a child process, model-session.ts); in process it cannot.
   */
  predict(rows: ReadonlyArray<ArrayLike<number>>, signal?: AbortSignal): Promise<number[][]>;
  /** predict, with the time onnxruntime spent in the run, measured where it ran (ms). */
  predictTimed(
    rows: ReadonlyArray<ArrayLike<number>>,
    signal?: AbortSignal,
  ): Promise<{ rows: number[][]; runMs: number }>;
  /** One row; the warm path of the recommend function. */
  predictOne(row: ArrayLike<number>): Promise<number[]>;
  release(): Promise<void>;
}

/**
 * What inference needs of an onnxruntime session: onnxruntime's own in this process
 * (openInProcess), or one in a child process that can be killed (functions/rollout/validate/).
 */
export interface ModelSession {
  readonly inputMetadata: readonly InferenceSession.ValueMetadata[];
  readonly outputMetadata: readonly InferenceSession.ValueMetadata[];
  /** Runs the model on `rows` float32 rows of INPUT_WIDTH fed to `input`; returns `output`. */
  run(
    input: string,
    data: Float32Array,
    rows: number,
    output: string,
    signal?: AbortSignal,
  ): Promise<RunOutput>;
  release(): Promise<void>;
}

export interface RunOutput {
  type?: string;
  dims?: readonly number[];
  data?: unknown;
  /** The session.run call alone, ms, measured where it ran (no IPC). */
  runMs: number;
}

export type OpenSession = (bytes: Uint8Array) => Promise<ModelSession>;

// One request at a time per Lambda environment: a single thread avoids thread-pool hand-offs that
// cost more than a 6×7 model's arithmetic.
export const SESSION_OPTIONS: InferenceSession.SessionOptions = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
};

/** A canonical row used to check what the runtime really returns (symbolic widths, NaN-free). */
const PROBE_ROW = [175, 32.5, 26.8, 45.2, 38.9, 61.5];

/**
 * A one-node ONNX model, y = Identity(x) over float32[1] (ir_version 8, opset 17, graph "warm-up"),
 * as bytes: encoding it at run time would load onnx-proto on every cold start for 71 bytes.
 * recommend-inference.test.ts decodes it and checks it is exactly that model.
 */
export const WARM_UP_MODEL_BASE64 =
  'CAg6PQoQCgF4EgF5IghJZGVudGl0eRIHd2FybS11cFoPCgF4EgoKCAgBEgQKAggBYg8KAXkSCgoICAESBAoCCAFCBAoAEBE=';

let runtimeReady: Promise<void> | undefined;

/**
 * Initialises onnxruntime (its environment and kernel registry: ~40–100 ms on the first session of
 * a process) by loading a one-node Identity model. Called while the model's bytes are still in
 * flight from S3, it takes that cost off the cold start's critical path. Never rejects.
 */
export function warmUpRuntime(): Promise<void> {
  runtimeReady ??= (async () => {
    const tiny = Buffer.from(WARM_UP_MODEL_BASE64, 'base64');
    const session = await InferenceSession.create(tiny, SESSION_OPTIONS);
    await session.release();
  })().catch(() => undefined);
  return runtimeReady;
}

export async function createSession(bytes: Uint8Array): Promise<InferenceSession> {
  try {
    return await InferenceSession.create(bytes, SESSION_OPTIONS);
  } catch (err) {
    throw loadError(err);
  }
}

/** onnxruntime refused the bytes; its message quotes names from the model, so it is bounded. */
export function loadError(err: unknown): ModelContractError {
  const message = `onnxruntime cannot load the model: ${boundText((err as Error).message ?? String(err))}`;
  return new ModelContractError(message, [{ rule: 'loads', message }], { cause: err });
}

/** onnxruntime's session in this process (the recommend function's). */
export async function openInProcess(bytes: Uint8Array): Promise<ModelSession> {
  const session = await createSession(bytes);
  // The warm path passes the same buffer every time (buildModel's reused row): its Tensor, which
  // wraps the buffer without copying, and the feeds and fetches are built once, not per request.
  let cached: { data: Float32Array; rows: number; input: string; output: string } | undefined;
  let feeds: Record<string, Tensor> = {};
  let fetches: string[] = [];
  return {
    inputMetadata: session.inputMetadata,
    outputMetadata: session.outputMetadata,
    async run(input, data, rows, output) {
      if (
        cached?.data !== data ||
        cached.rows !== rows ||
        cached.input !== input ||
        cached.output !== output
      ) {
        cached = { data, rows, input, output };
        feeds = { [input]: new Tensor('float32', data, [rows, INPUT_WIDTH]) };
        fetches = [output];
      }
      const t0 = performance.now();
      const result = await session.run(feeds, fetches);
      const runMs = performance.now() - t0;
      const out = result[output];
      return { type: out?.type, dims: out?.dims, data: out?.data, runMs };
    },
    release: () => session.release(),
  };
}

/**
 * The bounds of onnx-bounds.ts, then metadata_props: nothing decodes a file beyond them, here or
 * in the validation gate, which refuses the same files with a report.
 */
function boundedMetadata(bytes: Uint8Array): ModelMetadata {
  let violations: ContractViolation[];
  try {
    violations = boundViolations(scanOnnx(bytes)).map((v) => ({ rule: 'bounds', message: v.message }));
  } catch (err) {
    const message = `not an ONNX model: ${(err as Error).message}`;
    throw new ModelContractError(message, [{ rule: 'parses', message }], { cause: err });
  }
  if (violations.length > 0) {
    throw new ModelContractError(
      `model beyond the ONNX bounds: ${violations.map((v) => v.message).join('; ')}`,
      violations,
    );
  }
  try {
    return readMetadataProps(bytes);
  } catch (err) {
    const message = `not an ONNX model: ${(err as Error).message}`;
    throw new ModelContractError(message, [{ rule: 'parses', message }], { cause: err });
  }
}

export async function loadModel(bytes: Uint8Array, open: OpenSession = openInProcess): Promise<LoadedModel> {
  const metadata = boundedMetadata(bytes);
  const session = await open(bytes);
  const signature = readSignature(session);
  const violations = checkContract(signature, metadata);
  if (violations.length > 0) {
    await session.release();
    throw new ModelContractError(
      `model breaks the contract: ${violations.map((v) => v.message).join('; ')}`,
      violations,
      { found: { signature, metadata } },
    );
  }
  const model = buildModel(session, signature, metadata);
  try {
    const [out] = await model.predict([PROBE_ROW, PROBE_ROW]);
    if (!out || out.length !== OUTPUT_WIDTH) throw new Error('probe returned no row');
    // A model that answers NaN for an average adult would only ever produce 5xx responses.
    if (!out.every(Number.isFinite))
      throw new Error(`non-finite output for an average adult: [${out.join(', ')}]`);
  } catch (err) {
    await session.release();
    const message = `probe inference failed: ${boundText((err as Error).message)}`;
    throw new ModelContractError(message, [{ rule: 'probe', message }], {
      cause: err,
      found: { signature, metadata },
    });
  }
  return model;
}

function buildModel(session: ModelSession, signature: ModelSignature, metadata: ModelMetadata): LoadedModel {
  const order = columnOrder(metadata);
  const inputName = signature.inputs[0]?.name as string;
  const outputName = signature.outputs[0]?.name as string;
  // featureSource[j]: canonical index fed at model input position j.
  const featureSource = Int32Array.from(order.features, (f) =>
    FEATURES.indexOf(f as (typeof FEATURES)[number]),
  );
  // targetSource[i]: model output position holding canonical target i.
  const targetSource = Int32Array.from(TARGETS, (t) => order.targets.indexOf(t));

  // Reused single-row input. session.run reads it on a later tick (setImmediate), so a second call
  // that arrives before the first finished gets its own buffer instead.
  const oneRow = new Float32Array(INPUT_WIDTH);
  let oneRowBusy = false;

  async function run(
    input: Float32Array,
    rows: number,
    signal?: AbortSignal,
  ): Promise<{ data: Float32Array; runMs: number }> {
    const out = await session.run(inputName, input, rows, outputName, signal);
    const dims = out.dims;
    if (
      out.type !== 'float32' ||
      !(out.data instanceof Float32Array) ||
      dims?.length !== 2 ||
      dims[0] !== rows ||
      dims[1] !== OUTPUT_WIDTH
    ) {
      throw new Error(
        `output "${boundText(outputName)}" is ${out.type} [${dims?.join(', ')}], expected float32 [${rows}, ${OUTPUT_WIDTH}]`,
      );
    }
    return { data: out.data, runMs: out.runMs };
  }

  function readRow(data: Float32Array, r: number): number[] {
    const base = r * OUTPUT_WIDTH;
    const row = new Array<number>(OUTPUT_WIDTH);
    for (let i = 0; i < OUTPUT_WIDTH; i++) row[i] = data[base + (targetSource[i] as number)] as number;
    return row;
  }

  return {
    signature,
    metadata,
    order,
    async predictOne(row) {
      if (oneRowBusy) return (await this.predict([row]))[0] as number[];
      oneRowBusy = true;
      try {
        for (let j = 0; j < INPUT_WIDTH; j++) oneRow[j] = row[featureSource[j] as number] as number;
        return readRow((await run(oneRow, 1)).data, 0);
      } finally {
        oneRowBusy = false;
      }
    },
    async predict(rows, signal) {
      return (await this.predictTimed(rows, signal)).rows;
    },
    async predictTimed(rows, signal) {
      const n = rows.length;
      if (n === 0) return { rows: [], runMs: 0 };
      const input = new Float32Array(n * INPUT_WIDTH);
      for (let r = 0; r < n; r++) {
        const row = rows[r] as ArrayLike<number>;
        for (let j = 0; j < INPUT_WIDTH; j++)
          input[r * INPUT_WIDTH + j] = row[featureSource[j] as number] as number;
      }
      const { data, runMs } = await run(input, n, signal);
      const out = new Array<number[]>(n);
      for (let r = 0; r < n; r++) out[r] = readRow(data, r);
      return { rows: out, runMs };
    },
    release: () => session.release(),
  };
}

export interface ClampResult {
  /** Canonical TARGETS order, each within its actuator range. */
  values: number[];
  /** Names of the targets that were outside their range, in TARGETS order. */
  clamped: Target[];
}

/** Limits predictions (canonical TARGETS order) to what the reference vehicle's actuators can do. */
export function clampToActuators(values: ArrayLike<number>): ClampResult {
  const out = new Array<number>(TARGETS.length);
  const clamped: Target[] = [];
  for (let i = 0; i < TARGETS.length; i++) {
    const name = TARGETS[i] as Target;
    const { min, max } = ACTUATOR_RANGES[name];
    const v = values[i] as number;
    if (v < min) {
      out[i] = min;
      clamped.push(name);
    } else if (v > max) {
      out[i] = max;
      clamped.push(name);
    } else {
      out[i] = v;
    }
  }
  return { values: out, clamped };
}
