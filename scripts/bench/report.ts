import { z } from 'zod';

/**
 * The figures `npm run bench` writes into docs/benchmarks.md: each benchmark's `--json` object,
 * checked (the fields the doc and the targets need), rendered as a markdown section and put
 * between the section's markers. Pure: scripts/bench/all.ts runs the benchmarks and writes the file.
 */

export const BENCHES = ['recommend', 'local', 'peer', 'rollout'] as const;
export type BenchName = (typeof BENCHES)[number];

/** Targets the figures are judged against (the performance issue), stated once. */
export const TARGETS = {
  handlerP50Ratio: 1.5,
  handlerP99Us: 150,
  localRpsRatio: 0.5,
  localP50MsC1: 0.5,
  peerP50Ratio: { linear: 2, mlp: 2, forest: 10 } as Record<string, number>,
} as const;

const num = z.number();

export const recommendSchema = z.looseObject({
  machine: z.looseObject({ loadavg_before: z.array(num), loadavg_after: z.array(num) }),
  runs: num,
  calls: num,
  warm_p50_us: num,
  warm_p99_us: num,
  bare_p50_us: num,
  bare_p99_us: num,
  ratio_p50: num,
  warm_p50_us_metrics_off: num,
  warm_p99_us_metrics_off: num,
  init_ms: num,
  module_import_ms: num,
  download_ms: num,
  session_ms: num,
  first_request_ms: num,
  init_plus_first_request_ms: num,
  rss_mb: num,
  max_rss_mb: num,
  per_run: z.array(z.looseObject({ warm_p50_us: num, warm_p99_us: num, bare_p50_us: num, ratio_p50: num })),
});

const serverFigures = z.object({ p50: num, p99: num, rps: num });
export const localSchema = z.looseObject({
  machine: z.looseObject({ load_before: z.string(), load_after: z.string() }),
  runs: num,
  duration_s: num,
  rps_c32: num,
  bare_rps_c32: num,
  ratio_rps_c32: num,
  p50_ms_c32: num,
  p99_ms_c32: num,
  p50_ms_c1: num,
  p99_ms_c1: num,
  rps_c1: num,
  bare_p50_ms_c1: num,
  bare_p99_ms_c1: num,
  bare_rps_c1: num,
  cold_start_ms: num,
  cpu_us_per_request_c32: z
    .object({ local: z.record(z.string(), num).optional(), bare: z.record(z.string(), num).optional() })
    .optional(),
  per_run: z.array(
    z.looseObject({
      local: z.object({ c1: serverFigures, c32: serverFigures }),
      bare: z.object({ c1: serverFigures, c32: serverFigures }),
    }),
  ),
});

const peerModel = z.looseObject({
  params: z.record(z.string(), z.unknown()),
  ours_p50_us: num,
  ours_p99_us: num,
  peer_p50_us: num,
  peer_p99_us: num,
  p50_ratio: num,
  p50_ratio_paired: num,
  ours_load_ms: num,
  peer_load_ms: num,
  ours_artifact_bytes: num,
  peer_artifact_bytes: num,
  equivalence: z.looseObject({ maxScaledErr: num, rows: num }),
});
export const peerSchema = z.looseObject({
  machine: z.looseObject({
    python: z.string(),
    sklearn: z.string(),
    load_average_1m_before: num,
    load_average_1m_after: num,
  }),
  models: z.record(z.string(), peerModel),
});

export const rolloutSchema = z.looseObject({
  runs: num,
  upload_to_live_ms: num,
  upload_to_live_runs_ms: z.array(num),
  state_ms: z.record(z.string(), num),
  breach_to_rollback_ms: num,
  breach_to_rollback_runs_ms: z.array(num),
});

export const SCHEMAS = {
  recommend: recommendSchema,
  local: localSchema,
  peer: peerSchema,
  rollout: rolloutSchema,
} as const;

export interface Machine {
  at: string;
  commit: string;
  cpus: number;
  cpu: string;
  node: string;
  loadBefore: number[];
  loadAfter: number[];
}

const f = (x: number, digits = 1) => x.toFixed(digits);
const pct = (x: number) => `${(x * 100).toFixed(0)} %`;
const met = (ok: boolean) => (ok ? 'met' : '**not met**');
const table = (head: string[], rows: string[][]) =>
  [
    `| ${head.join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');

export function renderMachine(m: Machine): string {
  return [
    `Measured ${m.at} (commit \`${m.commit}\`) on ${m.cpus} CPUs (${m.cpu}), Node ${m.node}; 1-minute load`,
    `average ${f(m.loadBefore[0] ?? 0, 2)} before and ${f(m.loadAfter[0] ?? 0, 2)} after the whole run (the benchmarks' own processes`,
    'included). Each benchmark ran once, each reports the median of its own repeated runs.',
  ].join('\n');
}

export function renderRecommend(r: z.infer<typeof recommendSchema>): string {
  const runs = (k: 'warm_p50_us' | 'warm_p99_us' | 'bare_p50_us' | 'ratio_p50', d = 1) =>
    r.per_run.map((p) => f(p[k], d)).join(', ');
  return [
    table(
      ['figure', 'median', `runs (${r.runs} environments × ${r.calls} calls)`, 'target'],
      [
        ['warm handler p50', `**${f(r.warm_p50_us)} µs**`, runs('warm_p50_us'), ''],
        ['bare `session.run` p50, same process', `${f(r.bare_p50_us)} µs`, runs('bare_p50_us'), ''],
        [
          'ratio p50 handler / bare',
          `**${f(r.ratio_p50, 2)}×**`,
          runs('ratio_p50', 2),
          `≤ ${TARGETS.handlerP50Ratio}× — ${met(r.ratio_p50 <= TARGETS.handlerP50Ratio)}`,
        ],
        [
          'warm handler p99, metrics on',
          `**${f(r.warm_p99_us)} µs**`,
          runs('warm_p99_us'),
          `≤ ${TARGETS.handlerP99Us} µs — ${met(r.warm_p99_us <= TARGETS.handlerP99Us)}`,
        ],
        ['bare `session.run` p99', `${f(r.bare_p99_us)} µs`, '', ''],
        [
          'warm p50 / p99, metrics off',
          `${f(r.warm_p50_us_metrics_off)} / ${f(r.warm_p99_us_metrics_off)} µs`,
          '',
          '',
        ],
        ['cold: init (import incl. model load)', `${f(r.init_ms, 0)} ms`, '', ''],
        [
          '— module import / download / session',
          `${f(r.module_import_ms, 0)} / ${f(r.download_ms, 0)} / ${f(r.session_ms)} ms`,
          '',
          '',
        ],
        ['cold: first request after init', `${f(r.first_request_ms)} ms`, '', ''],
        ['cold: init + first request', `${f(r.init_plus_first_request_ms, 0)} ms`, '', ''],
        ['RSS warm / peak', `${f(r.rss_mb, 0)} / ${f(r.max_rss_mb, 0)} MB`, '', ''],
      ],
    ),
  ].join('\n');
}

export function renderLocal(r: z.infer<typeof localSchema>): string {
  const c32 = r.per_run.map((p) => `${f(p.local.c32.rps, 0)} / ${f(p.bare.c32.rps, 0)}`).join(', ');
  return table(
    ['figure', 'local API', 'bare http', 'local / bare', 'target'],
    [
      [
        'req/s, 32 connections',
        `**${f(r.rps_c32, 0)}**`,
        f(r.bare_rps_c32, 0),
        `**${pct(r.ratio_rps_c32)}**`,
        `≥ ${pct(TARGETS.localRpsRatio)} — ${met(r.ratio_rps_c32 >= TARGETS.localRpsRatio)}`,
      ],
      ['— per run (local / bare)', c32, '', '', ''],
      ['p50 / p99 ms, 32 connections', `${r.p50_ms_c32} / ${r.p99_ms_c32}`, '', '', ''],
      [
        'p50 ms, 1 connection',
        `**${f(r.p50_ms_c1, 3)}**`,
        f(r.bare_p50_ms_c1, 3),
        '',
        `≤ ${TARGETS.localP50MsC1} ms — ${met(r.p50_ms_c1 <= TARGETS.localP50MsC1)}`,
      ],
      ['p99 ms, 1 connection', f(r.p99_ms_c1, 3), f(r.bare_p99_ms_c1, 3), '', ''],
      ['req/s, 1 connection', f(r.rps_c1, 0), f(r.bare_rps_c1, 0), pct(r.rps_c1 / r.bare_rps_c1), ''],
      ['cold start of a new version (Invoke → response)', `${f(r.cold_start_ms, 0)} ms`, '', '', ''],
      ...cpuRows(r.cpu_us_per_request_c32),
    ],
  );
}

/** Where the two cores go at 32 connections: CPU µs per request of each process. */
function cpuRows(cpu: z.infer<typeof localSchema>['cpu_us_per_request_c32']): string[][] {
  if (!cpu?.local || !cpu.bare) return [];
  const parts = (x: Record<string, number>) =>
    Object.entries(x)
      .map(([k, v]) => `${k.replace(/_/g, ' ')} ${f(v, 0)}`)
      .join(' + ');
  const total = (x: Record<string, number>) => Object.values(x).reduce((a, b) => a + b, 0);
  return [
    [
      'CPU µs per request, 32 connections',
      `${parts(cpu.local)} = ${f(total(cpu.local), 0)}`,
      `${parts(cpu.bare)} = ${f(total(cpu.bare), 0)}`,
      `${f(total(cpu.local) / total(cpu.bare), 1)}× the CPU`,
      '',
    ],
  ];
}

export function renderPeer(r: z.infer<typeof peerSchema>): string {
  const kinds = Object.keys(r.models);
  const m = (k: string) => r.models[k] as z.infer<typeof peerModel>;
  const row = (label: string, cell: (x: z.infer<typeof peerModel>, k: string) => string) => [
    label,
    ...kinds.map((k) => cell(m(k), k)),
  ];
  return [
    `Python ${r.machine.python}, scikit-learn ${r.machine.sklearn}.`,
    '',
    table(
      ['figure', ...kinds],
      [
        row('p50 ours / peer', (x) => `${f(x.ours_p50_us)} / ${f(x.peer_p50_us)} µs`),
        row('p99 ours / peer', (x) => `${f(x.ours_p99_us)} / ${f(x.peer_p99_us)} µs`),
        row(
          '**ours faster at p50**',
          (x) => `**${f(x.p50_ratio, 2)}×** (paired ${f(x.p50_ratio_paired, 2)}×)`,
        ),
        row('target', (x, k) => {
          const t = TARGETS.peerP50Ratio[k] ?? 1;
          return `≥ ${t}× — ${met(x.p50_ratio >= t)}`;
        }),
        row('model load ours / peer', (x) => `${f(x.ours_load_ms)} / ${f(x.peer_load_ms)} ms`),
        row('artifact ONNX / joblib', (x) => `${x.ours_artifact_bytes} / ${x.peer_artifact_bytes} B`),
        row('ONNX vs scikit-learn, max scaled error', (x) => x.equivalence.maxScaledErr.toExponential(1)),
      ],
    ),
  ].join('\n');
}

export function renderRollout(r: z.infer<typeof rolloutSchema>): string {
  return table(
    ['figure', 'median', 'runs'],
    [
      [
        'upload → live (all-at-once)',
        `**${f(r.upload_to_live_ms, 0)} ms**`,
        r.upload_to_live_runs_ms.join(', '),
      ],
      [
        `— ${Object.keys(r.state_ms).join(' / ')}`,
        `${Object.values(r.state_ms)
          .map((x) => f(x, 0))
          .join(' / ')} ms`,
        '',
      ],
      [
        'gate breach → rollback complete',
        `**${f(r.breach_to_rollback_ms, 0)} ms**`,
        r.breach_to_rollback_runs_ms.join(', '),
      ],
    ],
  );
}

export function renderSection(name: BenchName, json: unknown): string {
  switch (name) {
    case 'recommend':
      return renderRecommend(recommendSchema.parse(json));
    case 'local':
      return renderLocal(localSchema.parse(json));
    case 'peer':
      return renderPeer(peerSchema.parse(json));
    case 'rollout':
      return renderRollout(rolloutSchema.parse(json));
  }
}

export const markers = (section: string) =>
  [`<!-- bench:${section} -->`, `<!-- /bench:${section} -->`] as const;

/** `doc` with the text between the section's markers replaced; the markers must be there, once. */
export function replaceSection(doc: string, section: string, body: string): string {
  const [open, close] = markers(section);
  const start = doc.indexOf(open);
  const end = doc.indexOf(close);
  if (start < 0 || end < start || doc.indexOf(open, start + 1) >= 0) {
    throw new Error(`docs/benchmarks.md needs exactly one ${open} … ${close} pair`);
  }
  return `${doc.slice(0, start + open.length)}\n${body.trim()}\n${doc.slice(end)}`;
}
