import { ROLLOUT_STATE_MACHINE_NAME } from '../system/manifest.js';

/**
 * The one definition of what wakes the reconciler (docs/rollout.md, "Reconciler"), used by the CDK
 * rule (infra/rollout.ts) and the local cloud's bus (local-cloud/rollout-wiring.ts): Step Functions'
 * own "Step Functions Execution Status Change" event (source `aws.states`) for an execution of the
 * rollout state machine that ended without succeeding — stopped from the console or by a command,
 * timed out, or failed past its Catch, or (locally) failed by a restart of the local cloud.
 * A canary whose execution ended that way would otherwise keep its weight on alias `live` with no
 * gate judging it.
 */
export const EXECUTION_STATUS_CHANGE = 'Step Functions Execution Status Change';
export const STATES_EVENT_SOURCE = 'aws.states';
/** Terminal statuses after which nothing of the execution will judge or remove its weight. */
export const UNSUCCESSFUL_END_STATUSES = ['ABORTED', 'FAILED', 'TIMED_OUT'] as const;

export { ROLLOUT_STATE_MACHINE_NAME };

export function reconcileEventPattern(stateMachineArn: string) {
  return {
    source: [STATES_EVENT_SOURCE],
    'detail-type': [EXECUTION_STATUS_CHANGE],
    detail: {
      status: [...UNSUCCESSFUL_END_STATUSES],
      stateMachineArn: [stateMachineArn],
    },
  };
}
