import { defineCheck } from './check.js';
import { fmt, passedOrFailed, type Verdict } from './check-result.js';

/**
 * Batch inference time per row over the golden set: one warm-up run (first-run allocations and lazy
 * kernel setup are not what a warm Lambda pays), then the median of `runs` timed runs so one
 * scheduling hiccup on a busy machine cannot fail a model. `predictBatch` returns the time of the
 * onnxruntime run itself (ms), measured in the inference process: the hand-off to it is not the model's.
 */
export async function measureLatency(
  predictBatch: () => Promise<number>,
  rows: number,
  runs: number,
): Promise<{ medianUsPerRow: number; runsUsPerRow: number[] }> {
  await predictBatch();
  const perRow: number[] = [];
  for (let i = 0; i < runs; i++) perRow.push(((await predictBatch()) * 1000) / rows);
  const sorted = [...perRow].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 === 1
      ? (sorted[mid] as number)
      : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { medianUsPerRow: median, runsUsPerRow: perRow };
}

export function checkLatency(
  measured: { medianUsPerRow: number; runsUsPerRow: number[] },
  rows: number,
  budgetUsPerRow: number,
): Verdict {
  return {
    status: passedOrFailed(measured.medianUsPerRow <= budgetUsPerRow),
    summary: `median ${fmt(measured.medianUsPerRow)} µs per row over ${rows} rows (budget ${fmt(budgetUsPerRow)} µs)`,
    details: { rows, budgetUsPerRow, ...measured },
  };
}

export const latencyCheck = defineCheck({
  id: 'latency',
  order: 90,
  needs: ['model', 'golden'],
  run: async ({ model, golden }, th, signal) => {
    const rows = golden.x.length;
    const batch = async () => (await model.predictTimed(golden.x, signal)).runMs;
    const measured = await measureLatency(batch, rows, th.latencyRuns);
    return checkLatency(measured, rows, th.latencyBudgetUsPerRow);
  },
});
