/**
 * CloudWatch Embedded Metric Format, as CloudWatch Logs extracts it from a function's log lines
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html):
 * a JSON object whose `_aws.CloudWatchMetrics` directives name a namespace, dimension sets (keys of
 * root members holding string values) and metrics (root members holding a number or up to 100
 * numbers). A line that is not valid EMF is just a log line, as on AWS: it yields nothing.
 */
export interface EmfDatapoint {
  namespace: string;
  metric: string;
  /** One dimension set with its values; a metric is recorded once per dimension set. */
  dimensions: Record<string, string>;
  values: number[];
  timestampMs: number;
}

/** Cheap pre-filter for the stdout hot path: only these lines are parsed as JSON. */
export function mayBeEmf(line: string): boolean {
  return line.startsWith('{"_aws"') || line.includes('"_aws":');
}

const MAX_VALUES = 100;
const MAX_DIMENSIONS = 30;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export function parseEmf(line: string, nowMs: number = Date.now()): EmfDatapoint[] {
  if (!mayBeEmf(line)) return [];
  let root: unknown;
  try {
    root = JSON.parse(line.slice(line.indexOf('{')));
  } catch {
    return [];
  }
  if (!isObject(root) || !isObject(root._aws)) return [];
  const aws = root._aws;
  const directives = aws.CloudWatchMetrics;
  if (!Array.isArray(directives)) return [];
  const timestampMs =
    typeof aws.Timestamp === 'number' && Number.isFinite(aws.Timestamp) ? aws.Timestamp : nowMs;
  const out: EmfDatapoint[] = [];
  for (const d of directives) {
    if (!isObject(d) || typeof d.Namespace !== 'string' || d.Namespace === '') continue;
    if (!Array.isArray(d.Metrics)) continue;
    const sets = Array.isArray(d.Dimensions) ? d.Dimensions : [];
    const dimensionSets: Record<string, string>[] = [];
    for (const set of sets) {
      if (!Array.isArray(set) || set.length > MAX_DIMENSIONS) continue;
      const dims: Record<string, string> = {};
      let valid = true;
      for (const key of set) {
        const value = typeof key === 'string' ? root[key] : undefined;
        if (typeof value !== 'string') {
          valid = false; // CloudWatch rejects a dimension whose member is missing or not a string
          break;
        }
        dims[key as string] = value;
      }
      if (valid) dimensionSets.push(dims);
    }
    // A directive without dimension sets records its metrics without dimensions.
    if (sets.length === 0) dimensionSets.push({});
    for (const m of d.Metrics) {
      if (!isObject(m) || typeof m.Name !== 'string') continue;
      const raw = root[m.Name];
      const values = (Array.isArray(raw) ? raw : [raw]).filter(
        (v): v is number => typeof v === 'number' && Number.isFinite(v),
      );
      if (values.length === 0 || values.length > MAX_VALUES) continue;
      for (const dimensions of dimensionSets) {
        out.push({ namespace: d.Namespace, metric: m.Name, dimensions, values, timestampMs });
      }
    }
  }
  return out;
}
