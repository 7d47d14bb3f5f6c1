import type { Command } from 'commander';
import { z } from 'zod';
import type { Readout } from '../../functions/rollout/experiment/readout.js';
import { TARGETS, UNITS } from '../../functions/shared/contract.js';
import { FUNCTIONS } from '../../system/manifest.js';

/**
 * `hypermob experiment report [--json]`: the readout of the running A/B experiment, or of the last
 * one, on the endpoint the SDK is configured for (AWS_ENDPOINT_URL for the local cloud). The
 * readout is computed by functions/rollout/experiment/readout.ts, the module the state machine's
 * Look step uses, with the traffic function's own settings (its environment), so the command and
 * the state machine read the same metrics the same way. docs/experiments.md explains the figures.
 */
const optionsSchema = z.object({ json: z.boolean().default(false) });

export function registerExperiment(program: Command): void {
  program
    .command('experiment')
    .description('A/B experiments decided on outcomes (docs/experiments.md)')
    .command('report')
    .description('readout of the running A/B experiment, or of the last one')
    .option('--json', 'print the readout as JSON')
    .action(async (raw: unknown) => {
      const opts = optionsSchema.parse(raw);
      const [
        { GetFunctionConfigurationCommand },
        { lambda },
        { parseTrafficConfig },
        { locateExperiment },
        { readExperiment },
      ] = await Promise.all([
        import('@aws-sdk/client-lambda'),
        import('../../functions/shared/aws-clients.js'),
        import('../../functions/rollout/traffic/config.js'),
        import('../../functions/rollout/experiment/locate.js'),
        import('../../functions/rollout/experiment/readout.js'),
      ]);
      // The deployment's settings (alias, bucket, metric delay, namespace) as the traffic function has them.
      const traffic = await lambda().send(
        new GetFunctionConfigurationCommand({ FunctionName: FUNCTIONS.traffic.name }),
      );
      const config = parseTrafficConfig(traffic.Environment?.Variables ?? {});
      const found = await locateExperiment(config.target, config.bucket);
      const until = found.ended ?? new Date(Date.now() - config.metricDelaySeconds * 1000);
      const { readout } = await readExperiment({
        primary: found.primary,
        candidate: found.candidate,
        started: found.started,
        until,
        rule: found.rule,
        metrics: {
          functionName: config.target.functionName,
          alias: config.target.alias,
          periodSeconds: config.gatePeriodSeconds,
          appNamespace: config.appNamespace,
        },
      });
      const experiment = {
        execution: found.execution,
        status: found.status,
        decide: found.decide,
        weight: found.weight,
        ...(found.lastLook ? { last_look: found.lastLook } : {}),
      };
      if (opts.json) {
        console.log(JSON.stringify({ experiment, ...readout }, null, 2));
        return;
      }
      console.log(formatReadout(experiment, readout));
    });
}

interface ExperimentHeader {
  execution: string;
  status: string;
  decide: string;
  weight: number;
  last_look?: { look: number; of: number; decision: string; reasons: string[] };
}

const num = (x: number | null | undefined, digits: number) =>
  x === null || x === undefined ? 'n/a' : x.toFixed(digits);
const signed = (x: number, digits = 4) => `${x >= 0 ? '+' : ''}${x.toFixed(digits)}`;
const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(2)} %`);

/** The readout as a table: one column per arm, then the difference and the verdict. */
export function formatReadout(e: ExperimentHeader, r: Readout): string {
  const arms = [r.primary, r.candidate];
  const rows: [string, string, string][] = [
    ['', `primary (version ${r.primary.version})`, `candidate (version ${r.candidate.version})`],
    [
      'model sha256',
      ...(arms.map((a) => (a.sha256 ? `${a.sha256.slice(0, 16)}…` : 'n/a')) as [string, string]),
    ],
    ['started', ...(arms.map((a) => a.started) as [string, string])],
    ['requests', ...(arms.map((a) => String(a.requests)) as [string, string])],
    ['error rate', ...(arms.map((a) => pct(a.error_rate)) as [string, string])],
    [
      'latency p50 / p99',
      ...(arms.map((a) => `${num(a.latency_ms.p50, 2)} / ${num(a.latency_ms.p99, 2)} ms`) as [
        string,
        string,
      ]),
    ],
    ['feedback', ...(arms.map((a) => String(a.feedback)) as [string, string])],
    [
      'normalised error',
      ...(arms.map((a) =>
        a.normalised_error
          ? `${a.normalised_error.mean.toFixed(4)} (sd ${num(a.normalised_error.sd, 4)})`
          : 'n/a',
      ) as [string, string]),
    ],
    ...TARGETS.map((t): [string, string, string] => [
      `MAE ${t} (${UNITS[t]})`,
      ...(arms.map((a) => {
        const m = a.mae[t];
        if (!m) return 'n/a';
        return `${m.mean.toFixed(2)} [${num(m.ci95?.[0], 2)}, ${num(m.ci95?.[1], 2)}]`;
      }) as [string, string]),
    ]),
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  const table = rows.map(([a, b, c]) => `  ${a.padEnd(w0)}  ${b.padEnd(w1)}  ${c}`.trimEnd());
  const d = r.difference;
  const i = r.decision_interval;
  const lines = [
    `experiment ${e.execution}: A/B, decide=${e.decide}, candidate weight ${e.weight}, ${e.status}`,
    `window ${r.window.start} → ${r.window.end}`,
    '',
    ...table,
    '',
    d
      ? `difference in normalised error (candidate − primary): ${signed(d.estimate)}` +
        `${d.relative === null ? '' : ` (${signed(d.relative * 100, 1)} %)`}, 95 % CI [${signed(d.ci95[0])}, ${signed(d.ci95[1])}], ` +
        `p = ${d.p_value.toPrecision(3)}, ${d.test}`
      : 'difference in normalised error: n/a (each arm needs two feedbacks with some spread)',
    i && r.margin_abs !== null
      ? `decision interval (K = ${r.sequential.looks} looks, Bonferroni: each side at ${r.sequential.alpha}/${r.sequential.looks}): ` +
        `${(i.level * 100).toFixed(2)} % [${signed(i.lower)}, ${signed(i.upper)}]; ` +
        `margin ${r.margin_abs.toFixed(4)} (${r.margin * 100} % of the primary's mean)`
      : `minimum feedback per arm: ${r.min_feedback}; margin ${r.margin * 100} % of the primary's mean`,
    `verdict: ${r.verdict}${
      r.verdict === 'insufficient_data'
        ? r.needed_feedback === null
          ? ' (too few feedbacks to estimate how many more are needed)'
          : ` (about ${r.needed_feedback} more feedbacks for 80 % power at the margin)`
        : ''
    }`,
    ...(e.last_look
      ? [
          `last look ${e.last_look.look} of ${e.last_look.of}: ${e.last_look.decision} — ${e.last_look.reasons[0] ?? ''}`,
        ]
      : []),
  ];
  return lines.join('\n');
}
