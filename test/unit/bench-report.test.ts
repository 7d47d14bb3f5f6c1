import { describe, expect, it } from 'vitest';
import { renderSection, replaceSection } from '../../scripts/bench/report.js';

const recommend = {
  machine: { loadavg_before: [1], loadavg_after: [1] },
  runs: 2,
  calls: 20000,
  warm_p50_us: 30,
  warm_p99_us: 140,
  bare_p50_us: 21,
  bare_p99_us: 90,
  ratio_p50: 1.43,
  warm_p50_us_metrics_off: 28,
  warm_p99_us_metrics_off: 100,
  init_ms: 300,
  module_import_ms: 120,
  download_ms: 100,
  session_ms: 6,
  first_request_ms: 3,
  init_plus_first_request_ms: 303,
  rss_mb: 106,
  max_rss_mb: 108,
  per_run: [
    { warm_p50_us: 30, warm_p99_us: 140, bare_p50_us: 21, ratio_p50: 1.43 },
    { warm_p50_us: 33, warm_p99_us: 160, bare_p50_us: 21, ratio_p50: 1.57 },
  ],
};
const fig = (rps: number) => ({ p50: 1, p99: 2, rps });
const local = {
  machine: { load_before: '1.00', load_after: '1.20' },
  runs: 1,
  duration_s: 8,
  rps_c32: 6000,
  bare_rps_c32: 20000,
  ratio_rps_c32: 0.3,
  p50_ms_c32: 4,
  p99_ms_c32: 15,
  p50_ms_c1: 0.8,
  p99_ms_c1: 2,
  rps_c1: 1000,
  bare_p50_ms_c1: 0.1,
  bare_p99_ms_c1: 0.4,
  bare_rps_c1: 7000,
  cold_start_ms: 450,
  per_run: [{ local: { c1: fig(1000), c32: fig(6000) }, bare: { c1: fig(7000), c32: fig(20000) } }],
};

describe('npm run bench: the figures written into docs/benchmarks.md', () => {
  it('judges each figure against its target', () => {
    const r = renderSection('recommend', recommend);
    expect(r).toMatch(/ratio p50 handler \/ bare \| \*\*1\.43×\*\* \| 1\.43, 1\.57 \| ≤ 1\.5× — met/);
    expect(r).toMatch(/warm handler p99, metrics on \| \*\*140\.0 µs\*\* .* ≤ 150 µs — met/);
    const l = renderSection('local', local);
    expect(l).toMatch(
      /req\/s, 32 connections \| \*\*6000\*\* \| 20000 \| \*\*30 %\*\* \| ≥ 50 % — \*\*not met\*\*/,
    );
    expect(l).toMatch(
      /p50 ms, 1 connection \| \*\*0\.800\*\* \| 0\.100 \| {2}\| ≤ 0\.5 ms — \*\*not met\*\*/,
    );
  });

  it('refuses output without the fields the document needs, naming them', () => {
    const { warm_p50_us: _, ...incomplete } = recommend;
    expect(() => renderSection('recommend', incomplete)).toThrow(/warm_p50_us/);
  });

  it('replaces only the text between a section’s markers and needs them once', () => {
    const doc = 'prose\n<!-- bench:local -->\nold figures\n<!-- /bench:local -->\nmore prose\n';
    expect(replaceSection(doc, 'local', 'new figures')).toBe(
      'prose\n<!-- bench:local -->\nnew figures\n<!-- /bench:local -->\nmore prose\n',
    );
    expect(() => replaceSection(doc, 'peer', 'x')).toThrow(/bench:peer/);
    expect(() => replaceSection(doc + doc, 'local', 'x')).toThrow(/exactly one/);
  });
});
