import { commandStep } from './command-step.js';
import { parseTrafficConfig, type TrafficConfig } from './config.js';
import { taskInputSchema } from './context.js';
import { failStep } from './fail-step.js';
import { finishStep } from './finish-step.js';
import { gateStep } from './gate-step.js';
import { lookStep } from './look-step.js';
import { planStep } from './plan-step.js';
import { executionEndedEventSchema } from './reconcile.js';
import { reconcileStep } from './reconcile-step.js';
import { rollbackStep } from './rollback-step.js';
import { shiftStep } from './shift-step.js';
import { supersedeStep } from './supersede-step.js';

/**
 * hypermob-rollout-traffic: every alias decision of the rollout state machine, one `action` per
 * Task state (docs/rollout.md), and the reconciler of executions that ended holding a weight
 * (reconcile-step.ts). Thrown errors keep their names (errors.ts): they are the ASL's
 * Retry/Catch contract.
 */
export function createTrafficHandler(config: TrafficConfig) {
  return (event: unknown) => dispatch(event, config);
}

async function dispatch(event: unknown, config: TrafficConfig): Promise<unknown> {
  // The reconcile rule delivers Step Functions' own status-change event, not a task input.
  const ended = executionEndedEventSchema.safeParse(event);
  if (ended.success) return reconcileStep(ended.data, config);
  const input = taskInputSchema.parse(event);
  switch (input.action) {
    case 'plan':
      return planStep(input.state, input.execution, config);
    case 'supersede':
      return supersedeStep(input.state, config);
    case 'shift':
      return shiftStep(input.state, config);
    case 'gate':
      return gateStep(input.state, config);
    case 'look':
      return lookStep(input.state, config);
    case 'finish':
      return finishStep(input.state, config);
    case 'rollback':
      return rollbackStep(input.state, config);
    case 'fail':
      return failStep(input.state, input.execution, config.bucket);
    case 'command':
      return commandStep(input.command, input.execution, config);
  }
}

export const handler = createTrafficHandler(parseTrafficConfig(process.env));
