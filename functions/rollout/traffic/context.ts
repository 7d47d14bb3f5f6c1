import { z } from 'zod';
import { executionContextSchema } from '../shared/state.js';

/** Every traffic task receives `{ action, state: $, execution: {name, arn, startTime, stateMachineArn} }`. */
export const taskInputSchema = z.object({
  action: z.enum(['plan', 'supersede', 'shift', 'gate', 'look', 'finish', 'rollback', 'fail', 'command']),
  state: z.unknown().optional(),
  command: z.unknown().optional(),
  execution: executionContextSchema,
});
export type TaskInput = z.infer<typeof taskInputSchema>;

/** `arn:…:execution:<sm>:<name>` → `arn:…:stateMachine:<sm>` when the context lacks StateMachine.Id. */
export function stateMachineArnOf(execution: { arn: string; stateMachineArn?: string | undefined }): string {
  if (execution.stateMachineArn) return execution.stateMachineArn;
  const parts = execution.arn.split(':');
  return [...parts.slice(0, 5), 'stateMachine', parts[6] ?? ''].join(':');
}

export function startedMs(execution: { startTime?: string | undefined }, now: Date): number {
  const t = execution.startTime ? Date.parse(execution.startTime) : Number.NaN;
  return Number.isFinite(t) ? t : now.getTime();
}
