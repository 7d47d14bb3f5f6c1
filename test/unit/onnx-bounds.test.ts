import { describe, expect, it } from 'vitest';
import { createModelProvider } from '../../functions/recommend/model-provider.js';
import { boundStrings, boundText, MAX_ENTRIES } from '../../functions/shared/bounded-text.js';
import { loadModel, ModelContractError } from '../../functions/shared/inference.js';
import { boundViolations, ONNX_LIMITS, OnnxWireError, scanOnnx } from '../../functions/shared/onnx-bounds.js';
import {
  appendedGraphModel,
  BROKEN_MODELS,
  canonicalModelBytes,
  emptyNodesModel,
  externalDataModel,
  linearRegressorModel,
  slowLoopModel,
  truncatedModel,
} from '../support/onnx-fixtures.js';

/** The bytes onnxruntime would have had to build a graph of: what the recommend function now refuses first. */
async function refusal(bytes: Uint8Array): Promise<ModelContractError> {
  const err = await loadModel(bytes).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ModelContractError);
  return err as ModelContractError;
}

describe('scanOnnx', () => {
  it('reads what the report shows of a real model without decoding it', () => {
    const scan = scanOnnx(canonicalModelBytes());
    expect(scan.info).toMatchObject({
      irVersion: 8,
      producer: 'hypermob-recommend 1',
      opsets: [{ domain: 'ai.onnx', version: 17 }],
      nodes: 8,
    });
    expect(scan.info.operators).toContain('ai.onnx:MatMul');
    expect(scan.counts).toMatchObject({ graphFields: 1, nodes: 8, tensors: 6, externalTensors: 0 });
    expect(boundViolations(scan)).toEqual([]);
    expect(scanOnnx(linearRegressorModel()).info.operators).toContain('ai.onnx.ml:LinearRegressor');
  });

  it('counts nodes inside subgraphs (a Loop body) too', () => {
    const scan = scanOnnx(slowLoopModel(10));
    expect(scan.info.operators).toContain('ai.onnx:Loop');
    expect(scan.counts.nodes).toBe(scan.info.nodes + 2);
    expect(boundViolations(scan)).toEqual([]);
  });

  it('refuses a bomb of empty nodes by counting, not decoding', () => {
    const bomb = emptyNodesModel(2_000_000); // 4 MB: 311 MB of heap when protobufjs decoded it
    const scan = scanOnnx(bomb);
    expect(scan.counts.nodes).toBe(2_000_000);
    expect(boundViolations(scan).map((v) => v.rule)).toEqual(['nodes', 'elements']);
  });

  it('refuses a valid model followed by a second graph field, which decoders merge into the first', () => {
    const few = scanOnnx(appendedGraphModel(10));
    expect(few.counts.graphFields).toBe(2);
    expect(boundViolations(few)).toEqual([
      {
        rule: 'graph_fields',
        message: '2 `graph` fields (a second one would be merged into the first) (limit 1)',
      },
    ]);
    const bomb = scanOnnx(appendedGraphModel(8_000_000)); // 16 MB: crashed the recommend function
    expect(bomb.counts.nodes).toBe(8_000_008);
    expect(boundViolations(bomb).map((v) => v.rule)).toEqual(['graph_fields', 'nodes', 'elements']);
  });

  it('refuses tensors whose data lives outside the file', () => {
    const scan = scanOnnx(externalDataModel('/etc/passwd'));
    expect(scan.counts.externalTensors).toBe(1);
    expect(boundViolations(scan)).toEqual([
      expect.objectContaining({ rule: 'external_data', message: expect.stringContaining('"weights"') }),
    ]);
  });

  it('throws OnnxWireError for bytes that are not protobuf wire format', () => {
    expect(() => scanOnnx(truncatedModel())).toThrow(OnnxWireError);
    expect(() => scanOnnx(BROKEN_MODELS.randomBytes())).toThrow(OnnxWireError);
  });

  it('bounds the strings it reads from the file', () => {
    const long = 'p'.repeat(10_000);
    // ModelProto: ir_version 8, producer_name (field 2) of 10 000 characters.
    const bytes = Uint8Array.from([0x08, 8, 0x12, 0x90, 0x4e, ...Buffer.from(long)]);
    expect(scanOnnx(bytes).info.producer.length).toBeLessThan(400);
  });

  it('has limits far above what a seat-fit model needs', () => {
    const { counts } = scanOnnx(canonicalModelBytes());
    expect(counts.nodes * 1000).toBeLessThan(ONNX_LIMITS.nodes);
    expect(counts.elements * 1000).toBeLessThan(ONNX_LIMITS.elements);
  });
});

describe('serving applies the same bounds before onnxruntime sees the bytes', () => {
  it('refuses both bombs and external data as contract errors (the recommend function degrades, not crashes)', async () => {
    expect((await refusal(appendedGraphModel(8_000_000))).violations.map((v) => v.rule)).toEqual([
      'bounds',
      'bounds',
      'bounds',
    ]);
    expect((await refusal(emptyNodesModel(100_000))).violations).toEqual([
      { rule: 'bounds', message: '100000 nodes (limit 50000)' },
    ]);
    expect((await refusal(externalDataModel())).violations[0]?.rule).toBe('bounds');
    expect((await refusal(truncatedModel())).violations[0]?.rule).toBe('parses');
  });

  it('a pinned bomb makes the recommend function serve its fallback as model_invalid', async () => {
    const fallback = await loadModel(canonicalModelBytes());
    const degraded: string[] = [];
    const provider = createModelProvider({
      location: { bucket: 'b', key: 'pinned/bomb.model', sha256: 'a'.repeat(64) },
      fetchModel: async () => ({
        bytes: appendedGraphModel(8_000_000),
        source: 's3',
        discardedCache: false,
        downloadMs: 0,
        verifyMs: 0,
      }),
      fallback: async () => ({ model: fallback, sha256: 'f'.repeat(64), kind: 'test', trainMs: 0 }),
      onDegraded: (reason) => degraded.push(reason),
    });
    const served = await provider.get();
    expect(served).toMatchObject({ degraded: true, reason: 'model_invalid' });
    expect(degraded).toEqual(['model_invalid']);
    expect(await served.model.predictOne([175, 32.5, 26.8, 45.2, 38.9, 61.5])).toHaveLength(7);
  });
});

describe('bounded text', () => {
  it('cuts long strings, keys and collections, and says how much it cut', () => {
    expect(boundText('short')).toBe('short');
    expect(boundText('x'.repeat(1000), 10)).toBe('xxxxxxxxxx… (990 more characters)');
    const many = Object.fromEntries(
      Array.from({ length: 500 }, (_, i) => [`${i}k${'y'.repeat(500)}`, 'v'.repeat(5000)]),
    );
    const bounded = boundStrings({ metadata: many, names: Array.from({ length: 500 }, () => 'n') });
    expect(Object.keys(bounded.metadata)).toHaveLength(MAX_ENTRIES + 1);
    expect(bounded.names).toHaveLength(MAX_ENTRIES + 1);
    expect(JSON.stringify(bounded).length).toBeLessThan(100_000);
  });
});
