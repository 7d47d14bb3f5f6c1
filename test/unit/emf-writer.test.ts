import { describe, expect, it } from 'vitest';
import { createMetrics, metricsDisabled } from '../../functions/recommend/telemetry.js';
import { createEmfBatch, type EmfBatchOptions, MAX_VALUES_PER_METRIC } from '../../functions/shared/emf.js';
import { parseEmf } from '../../local-cloud/cloudwatch/emf.js';

const T0 = 1_795_000_000_000;
const SHA = 'ab'.repeat(32);

function batch(overrides: Partial<EmfBatchOptions> = {}) {
  const lines: string[] = [];
  const b = createEmfBatch({
    namespace: 'Hypermob',
    dimensions: ['service', 'FunctionVersion'],
    metrics: [
      { name: 'Latency', unit: 'Milliseconds' },
      { name: 'Errors', unit: 'Count' },
    ],
    flushIntervalMs: 1000,
    write: (l) => lines.push(l),
    ...overrides,
  });
  return { b, lines, docs: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const aws = (doc: Record<string, unknown> | undefined) =>
  doc?._aws as {
    Timestamp: number;
    CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: unknown[] }>;
  };

describe('EMF batch (functions/shared/emf.ts)', () => {
  it('writes one JSON line per document in the EMF shape the local cloud extracts', () => {
    const { b, lines, docs } = batch();
    b.setDimensions(['svc', '7']);
    b.add(0, 0.25, T0);
    b.add(0, 0.5, T0 + 1);
    b.add(1, 1, T0 + 2);
    b.flush();
    expect(lines).toHaveLength(1);
    const line = lines[0] as string;
    expect(line.endsWith('\n')).toBe(true);
    expect(line.indexOf('\n')).toBe(line.length - 1);
    expect(docs()[0]).toEqual({
      _aws: {
        Timestamp: T0,
        CloudWatchMetrics: [
          {
            Namespace: 'Hypermob',
            Dimensions: [['service', 'FunctionVersion']],
            Metrics: [
              { Name: 'Latency', Unit: 'Milliseconds' },
              { Name: 'Errors', Unit: 'Count' },
            ],
          },
        ],
      },
      service: 'svc',
      FunctionVersion: '7',
      Latency: [0.25, 0.5],
      Errors: 1,
    });
    const points = parseEmf(line.trimEnd());
    expect(points.map((p) => [p.metric, p.values, p.dimensions, p.timestampMs])).toEqual([
      ['Latency', [0.25, 0.5], { service: 'svc', FunctionVersion: '7' }, T0],
      ['Errors', [1], { service: 'svc', FunctionVersion: '7' }, T0],
    ]);
  });

  it('declares only the metrics that have values; one value is a number, several an array', () => {
    const { b, docs } = batch();
    b.setDimensions(['svc', '7']);
    b.add(1, 1, T0);
    b.flush();
    const doc = docs()[0];
    expect(aws(doc).CloudWatchMetrics[0]?.Metrics).toEqual([{ Name: 'Errors', Unit: 'Count' }]);
    expect(doc).toMatchObject({ Errors: 1 });
    expect(doc).not.toHaveProperty('Latency');
  });

  it('writes nothing when nothing is buffered; drops non-finite values', () => {
    const { b, lines } = batch();
    b.setDimensions(['svc', '7']);
    b.flush();
    b.add(0, Number.NaN, T0);
    b.add(0, Number.POSITIVE_INFINITY, T0);
    b.commit(T0);
    b.flush();
    expect(lines).toHaveLength(0);
  });

  it('a metric reaching 100 values writes the document at once; the rest starts a new one', () => {
    const { b, docs } = batch({ flushIntervalMs: 60_000 });
    b.setDimensions(['svc', '7']);
    b.commit(T0); // the first commit flushes (nothing yet) and starts the interval
    for (let i = 0; i < 150; i++) {
      b.add(0, i, T0 + i);
      if (i % 10 === 0) b.add(1, 1, T0 + i);
      b.commit(T0 + i);
    }
    expect(docs()).toHaveLength(1);
    b.flush();
    const [full, rest] = docs();
    expect(full?.Latency).toEqual(Array.from({ length: MAX_VALUES_PER_METRIC }, (_, i) => i));
    expect(full?.Errors).toEqual(Array(10).fill(1));
    expect(aws(full).Timestamp).toBe(T0);
    expect(rest?.Latency).toEqual(Array.from({ length: 50 }, (_, i) => 100 + i));
    expect(rest?.Errors).toEqual(Array(5).fill(1));
    expect(aws(rest).Timestamp).toBe(T0 + 100); // its oldest value
    for (const l of docs()) expect(parseEmf(JSON.stringify(l)).length).toBeGreaterThan(0);
  });

  it('commit writes at most once per flush interval, stamped with the oldest value', () => {
    const { b, docs } = batch({ flushIntervalMs: 1000 });
    b.setDimensions(['svc', '7']);
    b.add(0, 1, T0);
    b.commit(T0); // first: at once
    b.add(0, 2, T0 + 400);
    b.commit(T0 + 400);
    b.add(0, 3, T0 + 999);
    b.commit(T0 + 999);
    expect(docs()).toHaveLength(1);
    b.add(0, 4, T0 + 1000);
    b.commit(T0 + 1000); // 1000 ms after the last interval flush
    expect(docs().map((d) => d.Latency)).toEqual([1, [2, 3, 4]]);
    expect(docs().map((d) => aws(d).Timestamp)).toEqual([T0, T0 + 400]);
    expect(b.pending).toBe(0);
  });

  it('flush interval 0 writes every commit', () => {
    const { b, docs } = batch({ flushIntervalMs: 0 });
    b.setDimensions(['svc', '7']);
    for (let i = 0; i < 3; i++) {
      b.add(0, i, T0);
      b.commit(T0);
    }
    expect(docs().map((d) => d.Latency)).toEqual([0, 1, 2]);
  });

  it('changing the dimension values first writes what was recorded under the old ones', () => {
    const { b, docs } = batch({ flushIntervalMs: 60_000 });
    b.setDimensions(['svc', '7']);
    b.commit(T0);
    b.add(0, 1, T0 + 1);
    b.setDimensions(['svc', '7']); // unchanged: nothing written
    expect(docs()).toHaveLength(0);
    b.setDimensions(['svc', '8']);
    b.add(0, 2, T0 + 2);
    b.flush();
    expect(docs().map((d) => [d.FunctionVersion, d.Latency])).toEqual([
      ['7', 1],
      ['8', 2],
    ]);
  });

  it('escapes names and values as JSON', () => {
    const { b, lines } = batch({ namespace: 'Name"space', dimensions: ['d"1', 'd2'] });
    b.setDimensions(['va"lue\n', 'x']);
    b.add(0, 1, T0);
    b.flush();
    const doc = JSON.parse(lines[0] as string);
    expect(doc['d"1']).toBe('va"lue\n');
    expect(aws(doc).CloudWatchMetrics[0]?.Namespace).toBe('Name"space');
  });

  it('disabled: buffers and writes nothing', () => {
    const { b, lines } = batch({ disabled: true, flushIntervalMs: 0 });
    b.setDimensions(['svc', '7']);
    b.add(0, 1, T0);
    b.commit(T0);
    b.flush();
    expect(lines).toHaveLength(0);
  });

  it('refuses more than 100 metrics per document and values before dimensions', () => {
    const metrics = Array.from({ length: 101 }, (_, i) => ({ name: `m${i}`, unit: 'Count' }));
    expect(() => batch({ metrics })).toThrow(RangeError);
    expect(() => batch().b.add(0, 1, T0)).toThrow(/setDimensions/);
  });
});

describe('recommend telemetry on the EMF batch', () => {
  it('writes the document Powertools Metrics wrote, byte for byte (one request, Latency only)', () => {
    const lines: string[] = [];
    const m = createMetrics('Hypermob', '7', {
      flushIntervalMs: 1000,
      now: () => T0,
      write: (l) => lines.push(l),
      disabled: false,
    });
    m.publish({ modelSha256: SHA, latencyMs: 0.05, status: 200, clamps: 0, degraded: false });
    // Captured from @aws-lambda-powertools/metrics 2.x with the previous telemetry.ts.
    expect(lines).toEqual([
      `{"_aws":{"Timestamp":${T0},"CloudWatchMetrics":[{"Namespace":"Hypermob","Dimensions":[["service","FunctionVersion","ModelSha256"]],"Metrics":[{"Name":"Latency","Unit":"Milliseconds"}]}]},"service":"hypermob-recommend","FunctionVersion":"7","ModelSha256":"${SHA}","Latency":0.05}\n`,
    ]);
  });

  it('counters with their units, only when non-zero; a new model sha flushes and switches dimensions', () => {
    const lines: string[] = [];
    let clock = T0;
    const m = createMetrics('Hypermob', '7', {
      flushIntervalMs: 1000,
      now: () => clock,
      write: (l) => lines.push(l),
      disabled: false,
    });
    const ok = { modelSha256: SHA, latencyMs: 0.1, status: 200, clamps: 0, degraded: false };
    m.publish(ok);
    clock += 10;
    m.publish({ ...ok, status: 500, degraded: true });
    clock += 10;
    m.publish({ ...ok, status: 404, clamps: 2 });
    clock += 10;
    m.publish({ ...ok, modelSha256: 'cd'.repeat(32) });
    m.flush();
    const docs = lines.map((l) => JSON.parse(l));
    expect(docs).toHaveLength(3);
    expect(docs[1]).toMatchObject({
      ModelSha256: SHA,
      Latency: [0.1, 0.1],
      Errors: 1,
      ClientErrors: 1,
      Clamps: 2,
      DegradedResponses: 1,
    });
    const units = Object.fromEntries(
      aws(docs[1]).CloudWatchMetrics[0]?.Metrics.map((d) => [
        (d as { Name: string }).Name,
        (d as { Unit: string }).Unit,
      ]) ?? [],
    );
    expect(units).toEqual({
      Latency: 'Milliseconds',
      Errors: 'Count',
      ClientErrors: 'Count',
      Clamps: 'Count',
      DegradedResponses: 'Count',
    });
    expect(docs[2]).toMatchObject({ ModelSha256: 'cd'.repeat(32), Latency: 0.1 });
  });

  it('records Latency to the microsecond', () => {
    const lines: string[] = [];
    const m = createMetrics('Hypermob', '7', {
      flushIntervalMs: 0,
      write: (l) => lines.push(l),
      disabled: false,
    });
    m.publish({ modelSha256: SHA, latencyMs: 0.0213456789, status: 200, clamps: 0, degraded: false });
    expect(JSON.parse(lines[0] as string).Latency).toBe(0.021);
  });

  it('POWERTOOLS_METRICS_DISABLED, else POWERTOOLS_DEV, turns metrics off as in Powertools', () => {
    expect(metricsDisabled({})).toBe(false);
    expect(metricsDisabled({ POWERTOOLS_METRICS_DISABLED: 'true' })).toBe(true);
    expect(metricsDisabled({ POWERTOOLS_METRICS_DISABLED: ' 1 ' })).toBe(true);
    expect(metricsDisabled({ POWERTOOLS_METRICS_DISABLED: 'false', POWERTOOLS_DEV: 'true' })).toBe(false);
    expect(metricsDisabled({ POWERTOOLS_DEV: 'yes' })).toBe(true);
    expect(metricsDisabled({ POWERTOOLS_DEV: 'no' })).toBe(false);
  });
});
