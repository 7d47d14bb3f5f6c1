import { ROLLOUT_EXECUTION_TIMEOUT_SECONDS } from '../../../system/manifest.js';
import { BadRolloutRequestError } from '../shared/errors.js';
import type { TrafficPlan } from '../strategies/strategy.js';
import type { TrafficConfig } from './config.js';
import { bakeWaitSeconds } from './shift-step.js';

/**
 * Refuses a plan that could outlast the execution. An execution-level timeout cannot be caught by
 * the state machine, so a rollout that times out mid-schedule would leave its candidate's weight on
 * `live` with nothing gating it; refusing the plan up front changes nothing instead.
 *
 * The worst case counts, for every gated weight, the bake (interval + metric delay), every extension
 * a gate may grant, and a gate task's own time limit; plus an allowance for everything before the
 * first weight (validation, release, probes) and after the last (finish or rollback), each bounded
 * by its task timeout and retries in the ASL; and an experiment's looks (interval + task limit each).
 */
export const BEFORE_AND_AFTER_TRAFFIC_SECONDS = 3600;
/** A Gate (or Look) task's TimeoutSeconds in the ASL. */
export const GATE_TASK_SECONDS = 150;

export function worstCaseSeconds(plan: TrafficPlan, config: TrafficConfig): number {
  const gated = plan.hold ? Math.max(0, plan.schedule.length - 1) : plan.schedule.length;
  const delay = config.metricDelaySeconds;
  const perStep =
    bakeWaitSeconds(plan.intervalSeconds, delay) +
    config.gate.maxExtensions * (Math.max(1, plan.intervalSeconds, delay) + GATE_TASK_SECONDS) +
    GATE_TASK_SECONDS;
  // An experiment looks at most K times, each after its interval and a Look task's time limit.
  const e = plan.experiment;
  const experiment = e ? e.looks * (e.intervalSeconds + GATE_TASK_SECONDS) : 0;
  return BEFORE_AND_AFTER_TRAFFIC_SECONDS + gated * perStep + experiment;
}

export function assertFitsExecution(plan: TrafficPlan, config: TrafficConfig): void {
  const worst = worstCaseSeconds(plan, config);
  if (worst > ROLLOUT_EXECUTION_TIMEOUT_SECONDS) {
    const hours = (s: number) => `${(s / 3600).toFixed(1)} h`;
    const e = plan.experiment;
    throw new BadRolloutRequestError(
      e
        ? `this experiment (up to ${e.looks} looks every ${e.intervalSeconds} s, deadline ${e.deadlineSeconds} s) ` +
            `could take ${hours(worst)}, longer than a rollout may run ` +
            `(${hours(ROLLOUT_EXECUTION_TIMEOUT_SECONDS)}); use a shorter deadline`
        : `this schedule (${plan.schedule.length} weights baked ${plan.intervalSeconds} s each, up to ` +
            `${config.gate.maxExtensions} extensions per gate) could take ${hours(worst)}, longer than a ` +
            `rollout may run (${hours(ROLLOUT_EXECUTION_TIMEOUT_SECONDS)}); use fewer steps or a shorter interval`,
    );
  }
}
