import type { SeriesMatch } from './app-metrics.js';

/**
 * The subset of CloudWatch Metrics Insights that the local GetMetricData answers (an `Expression`
 * query): one aggregate over one metric, from a namespace (every dimension set) or a SCHEMA (one
 * dimension-key set), filtered by dimension equalities, without GROUP BY:
 *   SELECT SUM(Errors) FROM "Hypermob" WHERE FunctionVersion = '7' AND service = 'x'
 * On AWS this is how a query aggregates a metric across dimension sets it does not fully name
 * (a MetricStat must name the exact set).
 */
export interface InsightsQuery {
  match: SeriesMatch;
  stat: string;
}

const FUNCTIONS: Record<string, string> = {
  SUM: 'Sum',
  AVG: 'Average',
  COUNT: 'SampleCount',
  MIN: 'Minimum',
  MAX: 'Maximum',
};

const name = String.raw`(?:"((?:[^"\\]|\\.)*)"|([A-Za-z_][\w./-]*))`;
const SELECT = new RegExp(
  String.raw`^\s*SELECT\s+(\w+)\s*\(\s*${name}\s*\)\s+FROM\s+(SCHEMA\s*\((.*?)\)|${name})\s*(?:WHERE\s+(.*?))?\s*$`,
  'is',
);
const CONDITION = new RegExp(String.raw`^\s*${name}\s*=\s*'((?:[^'\\]|\\.)*)'\s*$`, 's');

const unquote = (quoted: string | undefined, bare: string | undefined) =>
  (quoted ?? bare ?? '').replace(/\\(.)/g, '$1');

export function parseInsights(expression: string): InsightsQuery {
  const m = SELECT.exec(expression);
  if (!m) throw new Error(`Unsupported Metrics Insights query (local subset): ${expression}`);
  const fn = (m[1] ?? '').toUpperCase();
  const stat = FUNCTIONS[fn];
  if (!stat) throw new Error(`Unsupported Metrics Insights function ${fn}`);
  const metric = unquote(m[2], m[3]);
  let namespace: string;
  let schemaKeys: string[] | undefined;
  if (m[5] !== undefined) {
    const parts = m[5].split(',').map((p) => p.trim());
    const [ns, ...keys] = parts.map((p) => unquote(/^"(.*)"$/s.exec(p)?.[1], p));
    namespace = ns ?? '';
    schemaKeys = keys;
  } else {
    namespace = unquote(m[6], m[7]);
  }
  const dimensions: Record<string, string> = {};
  if (m[8] !== undefined) {
    for (const condition of m[8].split(/\s+AND\s+/i)) {
      const c = CONDITION.exec(condition);
      if (!c)
        throw new Error(`Unsupported WHERE condition (local subset: Dimension = 'value'): ${condition}`);
      dimensions[unquote(c[1], c[2])] = unquote(c[3], undefined);
    }
  }
  return { match: { namespace, metric, dimensions, mode: 'filter', schemaKeys }, stat };
}
