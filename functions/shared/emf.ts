/**
 * CloudWatch Embedded Metric Format, written by hand
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html):
 * one JSON object per line, `{"_aws":{"Timestamp":…,"CloudWatchMetrics":[{"Namespace":…,
 * "Dimensions":[[…]],"Metrics":[{"Name":…,"Unit":…}]}]}, <dimension>: "…", <metric>: value | [values]}`,
 * at most 100 metrics per document and 100 values per metric. Lambda sends a function's stdout to
 * its log stream, where CloudWatch Logs extracts the metrics (the local cloud's
 * local-cloud/cloudwatch/emf.ts does the same).
 *
 * Why not Powertools Metrics: it re-reads process.env on every store access, builds an object per
 * document and formats it through a Console (`console.log`); here the document is one string,
 * assembled from pieces serialised when each value is recorded, and written with one
 * `process.stdout.write`. Powertools itself writes through a private Console on process.stdout, so
 * the destination is the same.
 *
 * Durability: on Linux, Node writes to files and pipes synchronously (process.stdout is a pipe on
 * Lambda, a file in the benchmark), so once `write` returns the line is in the kernel's pipe and
 * survives the environment being frozen after the response. What is still buffered in memory (the
 * batch) is not: see EmfBatch.
 */

/** Writes one EMF line (or any log line) to stdout. Looked up per call, so tests can capture it. */
export function writeLine(line: string): void {
  process.stdout.write(line);
}

/** Values per metric in one document (EMF limit). */
export const MAX_VALUES_PER_METRIC = 100;
/** Metrics per document (EMF limit). */
export const MAX_METRICS_PER_DOCUMENT = 100;

export interface MetricDefinition {
  name: string;
  /** A CloudWatch unit name as EMF spells it: `Milliseconds`, `Count`, `None`, … */
  unit: string;
}

export interface EmfBatchOptions {
  namespace: string;
  /** The one dimension set, in order; each document carries these root members as strings. */
  dimensions: readonly string[];
  /** Every metric the batch may hold (≤ 100), addressed by index in `add`. */
  metrics: readonly MetricDefinition[];
  /**
   * `commit(t)` writes the batch when the last interval flush is older than this (ms): at low
   * traffic every committed request is written at once, under load at most one document per interval
   * (or per 100 values of a metric).
   */
  flushIntervalMs: number;
  /** Where lines go (default: stdout). */
  write?: (line: string) => void;
  /** Nothing is buffered or written (POWERTOOLS_METRICS_DISABLED). */
  disabled?: boolean;
}

/**
 * Buffered metric values of one dimension set, written as EMF documents:
 * - `add` records a value (serialised at once, so a flush only concatenates strings); a metric that
 *   reaches 100 values writes the document immediately;
 * - `setDimensions` with different values first writes what was recorded under the old ones;
 * - `commit(t)` ends a unit of work (a request) and writes the batch if the last interval flush is
 *   at least `flushIntervalMs` old;
 * - each document is stamped with the time of its oldest value and declares only the metrics that
 *   have values, in definition order; one value is written as a number, several as an array.
 * Values still buffered when the environment is frozen wait for the next call (stamped with their own
 * time), or are lost if Lambda reclaims the environment first.
 */
export interface EmfBatch {
  setDimensions(values: readonly string[]): void;
  /** Records `value` (finite numbers only; others are dropped: CloudWatch rejects them) at epoch ms `t`. */
  add(metric: number, value: number, t: number): void;
  commit(t: number): void;
  /** Writes whatever is buffered (tests, shutdown). */
  flush(): void;
  /** Values buffered, over all metrics. */
  readonly pending: number;
}

export function createEmfBatch(options: EmfBatchOptions): EmfBatch {
  const { metrics, dimensions, flushIntervalMs } = options;
  const write = options.write ?? writeLine;
  const disabled = options.disabled ?? false;
  if (metrics.length === 0 || metrics.length > MAX_METRICS_PER_DOCUMENT) {
    throw new RangeError(`an EMF document declares 1 to ${MAX_METRICS_PER_DOCUMENT} metrics`);
  }
  const n = metrics.length;
  // Serialised once: `{"Name":…,"Unit":…}` and `,"Name":` per metric, the document head up to the
  // timestamp, and the directive between the timestamp and the metric declarations.
  const declaration = metrics.map((m) => JSON.stringify({ Name: m.name, Unit: m.unit }));
  const key = metrics.map((m) => `,${JSON.stringify(m.name)}:`);
  const directive = `,"CloudWatchMetrics":[{"Namespace":${JSON.stringify(options.namespace)},"Dimensions":[${JSON.stringify(dimensions)}],"Metrics":[`;
  // Per metric: the values so far, comma-separated, and their count.
  const values: string[] = new Array<string>(n).fill('');
  const counts = new Int32Array(n);
  let dimensionValues: readonly string[] | undefined;
  let dimensionMembers = '';
  let pending = 0;
  let oldest = 0;
  let lastFlush = Number.NEGATIVE_INFINITY;

  function flush(): void {
    if (pending === 0) return;
    let declared = '';
    let members = '';
    for (let i = 0; i < n; i++) {
      const c = counts[i] as number;
      if (c === 0) continue;
      declared += declared === '' ? declaration[i] : `,${declaration[i]}`;
      members += c === 1 ? `${key[i]}${values[i]}` : `${key[i]}[${values[i]}]`;
      values[i] = '';
      counts[i] = 0;
    }
    pending = 0;
    write(`{"_aws":{"Timestamp":${oldest}${directive}${declared}]}]}${dimensionMembers}${members}}\n`);
  }

  return {
    setDimensions(next) {
      if (disabled) return;
      if (dimensionValues !== undefined && sameValues(dimensionValues, next)) return;
      if (next.length !== dimensions.length) {
        throw new RangeError(`${next.length} dimension values for ${dimensions.length} dimensions`);
      }
      flush(); // buffered values belong to the previous dimensions
      dimensionValues = [...next];
      dimensionMembers = '';
      for (let i = 0; i < dimensions.length; i++) {
        dimensionMembers += `,${JSON.stringify(dimensions[i])}:${JSON.stringify(String(next[i]))}`;
      }
    },
    add(metric, value, t) {
      if (disabled || !Number.isFinite(value)) return;
      if (dimensionValues === undefined) throw new Error('setDimensions before add');
      if (pending === 0) oldest = t;
      const c = counts[metric] as number;
      // JSON spells a finite number as String() does.
      values[metric] = c === 0 ? String(value) : `${values[metric]},${value}`;
      counts[metric] = c + 1;
      pending++;
      if (c + 1 >= MAX_VALUES_PER_METRIC) flush();
    },
    commit(t) {
      if (t - lastFlush >= flushIntervalMs) {
        flush();
        lastFlush = t;
      }
    },
    flush,
    get pending() {
      return pending;
    },
  };
}

function sameValues(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
