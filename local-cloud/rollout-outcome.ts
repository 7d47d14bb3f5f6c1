import { z } from 'zod';
import type { ExecutionRecord } from './sfn/store.js';

/**
 * One terminal line per finished execution of the rollout state machine
 * (statemachines/model-rollout.asl.json), read from what the execution ended with:
 *   rollout <execution> car_fit_model.onnx: live on version 3 (canary)
 *   rollout <execution> car_fit_model.onnx: rejected: <cause>
 *   rollout <execution> car_fit_model.onnx: rolled back to version 2: <gate reasons>
 *   rollout <execution> promote: <summary>
 * Fields are read leniently: the line must never fail because an output changed shape.
 */
const inputSchema = z.looseObject({
  command: z.string().optional(),
  detail: z.looseObject({ object: z.looseObject({ key: z.string() }) }).optional(),
});
const outputSchema = z.looseObject({
  outcome: z.string().optional(),
  summary: z.string().optional(),
  plan: z.looseObject({ strategy: z.string() }).optional(),
  release: z.looseObject({ version: z.string(), unchanged: z.boolean().optional() }).optional(),
  progress: z.looseObject({ weight: z.number().optional() }).optional(),
  result: z.looseObject({ version: z.string() }).optional(),
});
const rolledBackSchema = z.looseObject({
  rolledBackTo: z.string().optional(),
  gate: z.array(z.string()).optional(),
  error: z.string().optional(),
  cause: z.string().optional(),
});

const MAX_DETAIL = 300;

export function rolloutOutcome(
  exec: Pick<ExecutionRecord, 'name' | 'input' | 'status' | 'output' | 'error' | 'cause'>,
): string {
  const input = inputSchema.safeParse(parseJson(exec.input)).data;
  const subject = input?.command ?? input?.detail?.object.key ?? 'input';
  return `rollout ${exec.name} ${subject}: ${oneLine(describe(exec))}`;
}

function describe(exec: Pick<ExecutionRecord, 'status' | 'output' | 'error' | 'cause'>): string {
  if (exec.status === 'SUCCEEDED') {
    const out = outputSchema.safeParse(parseJson(exec.output)).data ?? {};
    if (out.result) return `live on version ${out.result.version} (${out.plan?.strategy ?? 'rollout'})`;
    if (out.release?.unchanged) return `unchanged: these bytes already are version ${out.release.version}`;
    if (out.plan?.strategy === 'ab' && out.release) {
      const share =
        out.progress?.weight !== undefined ? ` at ${Math.round(out.progress.weight * 100)} %` : '';
      return `A/B test holding version ${out.release.version}${share} until rollout promote or abort`;
    }
    if (out.outcome === 'Ignored') return 'ignored (not a model upload)';
    return out.summary ?? 'succeeded';
  }
  if (exec.status !== 'FAILED') return exec.status.toLowerCase().replace('_', ' ');
  switch (exec.error) {
    case 'ModelRejected':
      return `rejected: ${exec.cause ?? ''}`;
    case 'RolledBack': {
      const c = rolledBackSchema.safeParse(parseJson(exec.cause)).data ?? {};
      const to = c.rolledBackTo ? ` to version ${c.rolledBackTo}` : '';
      const why = c.gate?.length ? c.gate.join('; ') : [c.error, c.cause].filter(Boolean).join(': ');
      return `rolled back${to}: ${why || (exec.cause ?? '')}`;
    }
    default:
      return `failed: ${exec.error ?? 'unknown error'}${exec.cause ? `: ${exec.cause}` : ''}`;
  }
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_DETAIL ? `${flat.slice(0, MAX_DETAIL - 1)}…` : flat;
}
