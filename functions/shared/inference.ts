import { InferenceSession, Tensor } from 'onnxruntime-node';
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
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export interface LoadedModel {
  readonly signature: ModelSignature;
  readonly metadata: ModelMetadata;
  /** The model's own column order (canonical when it carries no metadata). */
  readonly order: ColumnOrder;
  /** Rows in canonical FEATURES order in, rows in canonical TARGETS order out. */
  predict(rows: ReadonlyArray<ArrayLike<number>>): Promise<number[][]>;
  /** One row; the warm path of the recommend function. */
  predictOne(row: ArrayLike<number>): Promise<number[]>;
  release(): Promise<void>;
}

// One request at a time per Lambda environment: a single thread avoids thread-pool hand-offs that
// cost more than a 6×7 model's arithmetic.
const SESSION_OPTIONS: InferenceSession.SessionOptions = {
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
    const message = `onnxruntime cannot load the model: ${(err as Error).message}`;
    throw new ModelContractError(message, [{ rule: 'loads', message }], { cause: err });
  }
}

export async function loadModel(bytes: Uint8Array): Promise<LoadedModel> {
  let metadata: ModelMetadata;
  try {
    metadata = readMetadataProps(bytes);
  } catch (err) {
    const message = `not an ONNX model: ${(err as Error).message}`;
    throw new ModelContractError(message, [{ rule: 'parses', message }], { cause: err });
  }
  const session = await createSession(bytes);
  const signature = readSignature(session);
  const violations = checkContract(signature, metadata);
  if (violations.length > 0) {
    await session.release();
    throw new ModelContractError(
      `model breaks the contract: ${violations.map((v) => v.message).join('; ')}`,
      violations,
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
    const message = `probe inference failed: ${(err as Error).message}`;
    throw new ModelContractError(message, [{ rule: 'probe', message }], { cause: err });
  }
  return model;
}

function buildModel(
  session: InferenceSession,
  signature: ModelSignature,
  metadata: ModelMetadata,
): LoadedModel {
  const order = columnOrder(metadata);
  const inputName = signature.inputs[0]?.name as string;
  const outputName = signature.outputs[0]?.name as string;
  const fetches = [outputName];
  // featureSource[j]: canonical index fed at model input position j.
  const featureSource = Int32Array.from(order.features, (f) =>
    FEATURES.indexOf(f as (typeof FEATURES)[number]),
  );
  // targetSource[i]: model output position holding canonical target i.
  const targetSource = Int32Array.from(TARGETS, (t) => order.targets.indexOf(t));

  // Reused single-row input. session.run reads it on a later tick (setImmediate), so a second call
  // that arrives before the first finished gets its own buffer instead.
  const oneRow = new Float32Array(INPUT_WIDTH);
  const oneFeeds = { [inputName]: new Tensor('float32', oneRow, [1, INPUT_WIDTH]) };
  let oneRowBusy = false;

  async function run(feeds: Record<string, Tensor>, rows: number): Promise<Float32Array> {
    const result = await session.run(feeds, fetches);
    const out = result[outputName];
    const dims = out?.dims;
    if (out?.type !== 'float32' || dims?.length !== 2 || dims[0] !== rows || dims[1] !== OUTPUT_WIDTH) {
      throw new Error(
        `output "${outputName}" is ${out?.type} [${dims?.join(', ')}], expected float32 [${rows}, ${OUTPUT_WIDTH}]`,
      );
    }
    return out.data as Float32Array;
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
        return readRow(await run(oneFeeds, 1), 0);
      } finally {
        oneRowBusy = false;
      }
    },
    async predict(rows) {
      const n = rows.length;
      if (n === 0) return [];
      const input = new Float32Array(n * INPUT_WIDTH);
      for (let r = 0; r < n; r++) {
        const row = rows[r] as ArrayLike<number>;
        for (let j = 0; j < INPUT_WIDTH; j++)
          input[r * INPUT_WIDTH + j] = row[featureSource[j] as number] as number;
      }
      const data = await run({ [inputName]: new Tensor('float32', input, [n, INPUT_WIDTH]) }, n);
      const out = new Array<number[]>(n);
      for (let r = 0; r < n; r++) out[r] = readRow(data, r);
      return out;
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
