import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { z } from 'zod';
import { FEATURES, TARGETS } from '../../functions/shared/contract.js';
import { parseDataset } from '../../functions/shared/dataset.js';

/**
 * `hypermob simulate --drivers N`: synthetic drivers through the API, to watch an A/B experiment
 * decide (docs/experiments.md). Driver i is golden-set record i (cycling): it asks POST /recommend
 * for its body measurements, waits `--feedback-delay` ms, and posts POST /feedback with the
 * settings it truly ended with — the record's targets. Loopback only (the local cloud's API), at
 * most MAX_DRIVERS drivers and MAX_CONCURRENCY in flight; it stops when every driver is done.
 */
export const MAX_DRIVERS = 100_000;
export const MAX_CONCURRENCY = 64;
const GOLDEN_SET = new URL('../../functions/shared/data/golden_set.json', import.meta.url);

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export const simulateOptionsSchema = z.object({
  drivers: z.coerce.number().int().min(1).max(MAX_DRIVERS),
  feedbackDelay: z.coerce.number().int().min(0).max(60_000).default(0),
  api: z
    .url()
    .default(`http://127.0.0.1:${process.env.HYPERMOB_API_PORT ?? 3000}`)
    .refine((u) => LOOPBACK.has(new URL(u).hostname), {
      error: 'simulate only talks to a local API (127.0.0.1, localhost or ::1)',
    }),
  concurrency: z.coerce.number().int().min(1).max(MAX_CONCURRENCY).default(4),
});
export type SimulateOptions = z.input<typeof simulateOptionsSchema>;

export interface SimulationSummary {
  drivers: number;
  /** Answers of POST /recommend by status. */
  recommend: Record<string, number>;
  /** Answers of POST /feedback by status (202: accepted). */
  feedback: Record<string, number>;
  /** Successful recommendations per serving version (the answer's model.version). */
  byVersion: Record<string, number>;
  /** The first failure, to say what went wrong. */
  firstProblem?: string;
  elapsedMs: number;
}

const recommendAnswer = z.looseObject({
  recommendation_id: z.string().optional(),
  model: z.looseObject({ version: z.string().optional() }).optional(),
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `signal`: stop early (no new driver starts once it is aborted; drivers in flight finish). */
export async function simulateDrivers(
  raw: SimulateOptions,
  signal?: AbortSignal,
): Promise<SimulationSummary> {
  const o = simulateOptionsSchema.parse(raw);
  const api = o.api.replace(/\/$/, '');
  const records = parseDataset(JSON.parse(await readFile(GOLDEN_SET, 'utf8'))).records;
  const summary: SimulationSummary = {
    drivers: o.drivers,
    recommend: {},
    feedback: {},
    byVersion: {},
    elapsedMs: 0,
  };
  const count = (m: Record<string, number>, k: string) => {
    m[k] = (m[k] ?? 0) + 1;
  };
  const problem = (what: string) => {
    summary.firstProblem ??= what;
  };
  const post = (path: string, body: unknown) =>
    fetch(`${api}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  async function drive(i: number): Promise<void> {
    const record = records[i % records.length] ?? {};
    const body = Object.fromEntries(FEATURES.map((f) => [f, record[f]]));
    const res = await post('/recommend', { ...body, user_id: `sim-${i}` });
    count(summary.recommend, String(res.status));
    const answer = recommendAnswer.safeParse(await res.json().catch(() => undefined));
    if (res.status !== 200 || !answer.success || !answer.data.recommendation_id) {
      problem(
        `POST /recommend answered ${res.status}${answer.success && res.status === 200 ? ' without a recommendation_id' : ''}`,
      );
      return;
    }
    count(summary.byVersion, answer.data.model?.version ?? 'unknown');
    if (o.feedbackDelay > 0) await sleep(o.feedbackDelay);
    const final = Object.fromEntries(TARGETS.map((t) => [t, record[t]]));
    const fb = await post('/feedback', { recommendation_id: answer.data.recommendation_id, final });
    count(summary.feedback, String(fb.status));
    if (fb.status !== 202) problem(`POST /feedback answered ${fb.status}: ${await fb.text()}`);
    else await fb.arrayBuffer();
  }

  const started = Date.now();
  let next = 0;
  const workers = Array.from({ length: Math.min(o.concurrency, o.drivers) }, async () => {
    while (next < o.drivers && !signal?.aborted) {
      await drive(next++).catch((err: unknown) => {
        count(summary.recommend, 'unreachable');
        problem(err instanceof Error ? err.message : String(err));
      });
    }
  });
  await Promise.all(workers);
  summary.drivers = next;
  summary.elapsedMs = Date.now() - started;
  return summary;
}

export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description(
      'synthetic drivers from the golden set: recommendations, then feedback with their true settings',
    )
    .requiredOption('--drivers <n>', `how many drivers (1 … ${MAX_DRIVERS})`)
    .option('--feedback-delay <ms>', 'wait between a recommendation and its feedback', '0')
    .option('--api <url>', 'the local API (default http://127.0.0.1:$HYPERMOB_API_PORT or :3000)')
    .option('--concurrency <c>', `drivers in flight (1 … ${MAX_CONCURRENCY})`, '4')
    .action(async (raw: SimulateOptions) => {
      const summary = await simulateDrivers(raw);
      console.log(JSON.stringify(summary, null, 2));
      if (summary.firstProblem) process.exitCode = 1;
    });
}
