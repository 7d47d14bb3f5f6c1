import onnxProto from 'onnx-proto';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { FEATURES, TARGETS } from '../../functions/shared/contract.js';
import {
  clampToActuators,
  loadModel,
  ModelContractError,
  WARM_UP_MODEL_BASE64,
  warmUpRuntime,
} from '../../functions/shared/inference.js';
import {
  checkContract,
  type ModelSignature,
  readMetadataProps,
} from '../../functions/shared/model-signature.js';
import { at, expectedOutputs, linearModel, PROBE_ROW } from '../support/recommend-models.js';

const f32 = (x: number) => Math.fround(x);

function expectClose(actual: number[], expected: number[]) {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((a, i) => {
    expect(a).toBeCloseTo(f32(expected[i] as number), 3);
  });
}

const okSignature: ModelSignature = {
  inputs: [{ name: 'x', isTensor: true, type: 'float32', shape: ['N', 6] }],
  outputs: [{ name: 'y', isTensor: true, type: 'float32', shape: ['N', 7] }],
};

describe('checkContract', () => {
  it('accepts a conforming signature with or without column metadata', () => {
    expect(checkContract(okSignature, {})).toEqual([]);
    const reversed = {
      features: JSON.stringify([...FEATURES].reverse()),
      targets: JSON.stringify([...TARGETS].reverse()),
    };
    expect(checkContract(okSignature, reversed)).toEqual([]);
    // -1 is how some exporters write an unnamed dynamic dimension.
    const minusOne = { ...okSignature, inputs: [{ ...at(okSignature.inputs, 0), shape: [-1, 6] }] };
    expect(checkContract(minusOne, {})).toEqual([]);
  });

  const input = at(okSignature.inputs, 0);
  const output = at(okSignature.outputs, 0);
  const cases: Array<[string, ModelSignature, Record<string, string>, string]> = [
    ['two inputs', { ...okSignature, inputs: [input, { ...input, name: 'z' }] }, {}, 'input_count'],
    ['no inputs', { ...okSignature, inputs: [] }, {}, 'input_count'],
    ['float64 input', { ...okSignature, inputs: [{ ...input, type: 'float64' }] }, {}, 'input_type'],
    ['input width 5', { ...okSignature, inputs: [{ ...input, shape: ['N', 5] }] }, {}, 'input_width'],
    ['rank-1 input', { ...okSignature, inputs: [{ ...input, shape: [6] }] }, {}, 'input_shape'],
    ['fixed batch', { ...okSignature, inputs: [{ ...input, shape: [1, 6] }] }, {}, 'input_batch'],
    [
      'non-tensor input',
      { ...okSignature, inputs: [{ name: 'x', isTensor: false, shape: [] }] },
      {},
      'input_tensor',
    ],
    ['no outputs', { ...okSignature, outputs: [] }, {}, 'output_count'],
    ['float64 output', { ...okSignature, outputs: [{ ...output, type: 'float64' }] }, {}, 'output_type'],
    ['output width 6', { ...okSignature, outputs: [{ ...output, shape: ['N', 6] }] }, {}, 'output_width'],
    [
      'unknown feature',
      okSignature,
      { features: JSON.stringify([...FEATURES.slice(0, 5), 'shoe']) },
      'features_metadata',
    ],
    ['missing feature', okSignature, { features: JSON.stringify(FEATURES.slice(0, 5)) }, 'features_metadata'],
    [
      'duplicated feature',
      okSignature,
      { features: JSON.stringify([...FEATURES.slice(0, 5), 'height']) },
      'features_metadata',
    ],
    ['features not JSON', okSignature, { features: 'height,upper_arm' }, 'features_metadata'],
    ['features not an array', okSignature, { features: '{"a":1}' }, 'features_metadata'],
    [
      'unknown target',
      okSignature,
      { targets: JSON.stringify([...TARGETS.slice(0, 6), 'radio']) },
      'targets_metadata',
    ],
  ];
  it.each(cases)('flags %s', (_name, signature, metadata, rule) => {
    const violations = checkContract(signature, metadata);
    expect(violations.map((v) => v.rule)).toContain(rule);
    expect(violations.every((v) => v.message.length > 0)).toBe(true);
  });

  it('extra outputs after the first are allowed (classifiers/regressors converted from sklearn)', () => {
    const sig = { ...okSignature, outputs: [output, { name: 'extra', isTensor: false, shape: [] }] };
    expect(checkContract(sig, {})).toEqual([]);
  });
});

describe('loadModel', () => {
  it('predicts in canonical order and reads its signature and metadata', async () => {
    const model = await loadModel(linearModel());
    expect(model.signature.inputs).toEqual([
      { name: 'input', isTensor: true, type: 'float32', shape: ['N', 6] },
    ]);
    expect(model.metadata.model_name).toBe('linear-test');
    expectClose(await model.predictOne(PROBE_ROW), expectedOutputs(PROBE_ROW));
    const other = [160, 30, 24, 42, 36, 58];
    const batch = await model.predict([PROBE_ROW, other]);
    expectClose(at(batch, 0), expectedOutputs(PROBE_ROW));
    expectClose(at(batch, 1), expectedOutputs(other));
    await model.release();
  });

  it('feeds features in the model order and maps outputs by the model names', async () => {
    const features = ['torso', 'height', 'calf', 'forearm', 'thigh', 'upper_arm'];
    const targets = [
      'mirror_pan',
      'seat_angle',
      'seat_position',
      'steering_reach',
      'seat_height',
      'mirror_tilt',
      'steering_tilt',
    ];
    const permuted = await loadModel(linearModel({ features, targets }));
    expect(permuted.order).toEqual({ features, targets });
    const row = [190, 36, 29, 50, 44, 66];
    expectClose(await permuted.predictOne(row), expectedOutputs(row));
    expectClose(at(await permuted.predict([row]), 0), expectedOutputs(row));
    // Control: the same permuted weights without metadata give different (wrong) canonical numbers.
    const unlabeled = await loadModel(
      linearModel({ features, targets, metadata: { features: undefined, targets: undefined } }),
    );
    const wrong = await unlabeled.predictOne(row);
    expect(wrong.some((v, i) => Math.abs(v - (expectedOutputs(row)[i] as number)) > 0.01)).toBe(true);
  });

  it('overlapping single-row calls each get their own answer', async () => {
    const model = await loadModel(linearModel());
    const rows = [PROBE_ROW, [150, 28, 22, 40, 34, 55], [200, 40, 31, 55, 47, 70]];
    const results = await Promise.all(rows.map((r) => model.predictOne(r)));
    results.forEach((res, i) => {
      expectClose(res, expectedOutputs(at(rows, i)));
    });
  });

  const broken: Array<[string, Uint8Array, string]> = [
    ['empty bytes', new Uint8Array(), 'loads'],
    ['not ONNX', new TextEncoder().encode('definitely not a protobuf model'), 'parses'],
    ['float64 input', linearModel({ elemType: 'float64' }), 'input_type'],
    [
      'input width 5',
      linearModel({ features: FEATURES.slice(0, 5), metadata: { features: undefined } }),
      'input_width',
    ],
    [
      'output width 6',
      linearModel({ targets: TARGETS.slice(0, 6), metadata: { targets: undefined } }),
      'output_width',
    ],
    ['two inputs', linearModel({ extraInput: true }), 'input_count'],
    ['bad features metadata', linearModel({ metadata: { features: '["height"]' } }), 'features_metadata'],
  ];
  it.each(broken)('rejects %s with a named error', async (_name, bytes, rule) => {
    const err = await loadModel(bytes).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelContractError);
    expect((err as ModelContractError).name).toBe('ModelContractViolation');
    expect((err as ModelContractError).violations.map((v) => v.rule)).toContain(rule);
  });
});

describe('warmUpRuntime', () => {
  it('initialises onnxruntime once and never rejects', async () => {
    const first = warmUpRuntime();
    expect(warmUpRuntime()).toBe(first);
    await expect(first).resolves.toBeUndefined();
  });

  // warmUpRuntime swallows errors, so a broken constant would only show as a slower cold start.
  it('warms up with a valid one-node Identity model that onnxruntime runs', async () => {
    const bytes = Buffer.from(WARM_UP_MODEL_BASE64, 'base64');
    const valueInfo = (name: string) => ({
      name,
      type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 1 }] } } },
    });
    const expected = onnxProto.onnx.ModelProto.encode({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      graph: {
        name: 'warm-up',
        node: [{ opType: 'Identity', input: ['x'], output: ['y'] }],
        input: [valueInfo('x')],
        output: [valueInfo('y')],
      },
    }).finish();
    expect(Buffer.from(expected).equals(bytes)).toBe(true);
    const session = await InferenceSession.create(bytes);
    const out = await session.run({ x: new Tensor('float32', Float32Array.of(2.5), [1]) });
    expect(Array.from(out.y?.data as Float32Array)).toEqual([2.5]);
    await session.release();
  });
});

describe('readMetadataProps', () => {
  const generated = (bytes: Uint8Array) => {
    const out: Record<string, string> = {};
    for (const e of onnxProto.onnx.ModelProto.decode(bytes).metadataProps ?? []) {
      if (e.key) out[e.key] = e.value ?? '';
    }
    return out;
  };

  it('reads what onnx-proto decodes, skipping the graph', () => {
    for (const bytes of [linearModel(), linearModel({ metadata: { features: undefined, note: 'é ✓' } })]) {
      const props = readMetadataProps(bytes);
      expect(props).toEqual(generated(bytes));
      expect(props.model_name).toBe('linear-test');
    }
  });

  it('keeps the last of duplicated keys, drops empty keys and keeps empty values', () => {
    const bytes = onnxProto.onnx.ModelProto.encode({
      irVersion: 8,
      metadataProps: [
        { key: 'a', value: '1' },
        { key: '', value: 'orphan' },
        { key: 'b' },
        { key: 'a', value: '2' },
      ],
      graph: { name: 'g' },
    }).finish();
    expect(readMetadataProps(bytes)).toEqual({ a: '2', b: '' });
    expect(readMetadataProps(bytes)).toEqual(generated(bytes));
  });

  it('throws on bytes that are not protobuf, and on a truncated entry', () => {
    expect(() => readMetadataProps(new TextEncoder().encode('definitely not a protobuf model'))).toThrow();
    const bytes = linearModel();
    const propsAt = bytes.lastIndexOf((14 << 3) | 2);
    expect(propsAt).toBeGreaterThan(0);
    expect(() => readMetadataProps(bytes.subarray(0, propsAt + 4))).toThrow();
  });
});

describe('clampToActuators', () => {
  it('passes values in range through untouched', () => {
    const values = [120, 30, 113, 50, 50, 0, 0];
    expect(clampToActuators(values)).toEqual({ values, clamped: [] });
  });

  it('clamps each side to the actuator limit and names what it clamped', () => {
    const r = clampToActuators([-5, 61, 113, 100.5, 50, -101, 0]);
    expect(r.values).toEqual([0, 60, 113, 100, 50, -100, 0]);
    expect(r.clamped).toEqual(['seat_position', 'seat_height', 'steering_tilt', 'mirror_tilt']);
  });

  it('keeps exact limits unclamped', () => {
    expect(clampToActuators([0, 60, 107, 0, 100, -100, 100]).clamped).toEqual([]);
  });
});
