import { existsSync } from 'node:fs';
import { reconcileEventPattern } from '../statemachines/rollout-reconcile.js';
import { ROLLOUT_STATE_MACHINE_NAME, rolloutEventPattern } from '../statemachines/rollout-trigger.js';
import { ROLLOUT_ASL_PATH, rolloutDefinition, rolloutSubstitutions } from '../statemachines/substitutions.js';
import { FUNCTIONS, MODEL_BUCKET_NAME, ROLLOUT_OBSERVABILITY } from '../system/manifest.js';
import type { EventBus } from './events/bus.js';
import type { EventPattern } from './events/pattern.js';
import { stateMachineArn } from './sfn/arns.js';
import type { SfnService } from './sfn/service.js';

/**
 * The rollout state machine from statemachines/ with the placeholders CDK fills, and the rule that
 * starts it: the same event pattern module the CDK stack uses, the whole event as the input.
 */
export const ROLLOUT_RULE_NAME = 'hypermob-model-uploaded';
/** The rule that hands executions that ended without succeeding to the reconciler (traffic function). */
export const RECONCILE_RULE_NAME = 'hypermob-rollout-ended';

/** Invokes a function as EventBridge's Lambda target does (asynchronously on AWS; awaited here). */
export type InvokeFunction = (
  name: string,
  qualifier: string | undefined,
  payload: Buffer,
) => Promise<{ functionError?: string; payload: Buffer }>;

export async function wireRollout(o: {
  sfn: SfnService;
  events: EventBus;
  region: string;
  accountId: string;
  warn: (line: string) => void;
  log: (line: string) => void;
  invoke: InvokeFunction;
}): Promise<string | undefined> {
  if (!existsSync(ROLLOUT_ASL_PATH)) {
    o.warn(`rollout: ${ROLLOUT_ASL_PATH} does not exist; no state machine, uploads start nothing`);
    return undefined;
  }
  const definition = rolloutDefinition(
    rolloutSubstitutions({ region: o.region, accountId: o.accountId, bucketName: MODEL_BUCKET_NAME }),
  );
  const arn = stateMachineArn(o.region, o.accountId, ROLLOUT_STATE_MACHINE_NAME);
  const existing = await o.sfn.call('DescribeStateMachine', { stateMachineArn: arn }).catch(() => undefined);
  if (!existing) {
    await o.sfn.call('CreateStateMachine', {
      name: ROLLOUT_STATE_MACHINE_NAME,
      definition,
      ...ROLLOUT_OBSERVABILITY,
    });
    o.log(`rollout: created state machine ${ROLLOUT_STATE_MACHINE_NAME}`);
  } else if (existing.definition !== definition) {
    // The ASL file changed since the last start: deploy it, as `cdk deploy` would.
    await o.sfn.call('UpdateStateMachine', { stateMachineArn: arn, definition });
    o.log(`rollout: updated state machine ${ROLLOUT_STATE_MACHINE_NAME}`);
  }
  o.events.putRule({
    name: ROLLOUT_RULE_NAME,
    pattern: rolloutEventPattern() as EventPattern,
    target: (event) => o.sfn.call('StartExecution', { stateMachineArn: arn, input: JSON.stringify(event) }),
  });
  o.events.putRule({
    name: RECONCILE_RULE_NAME,
    pattern: reconcileEventPattern(arn) as unknown as EventPattern,
    target: async (event) => {
      const out = await o.invoke(FUNCTIONS.traffic.name, undefined, Buffer.from(JSON.stringify(event)));
      // A function error keeps the event for another attempt (Lambda's async retries on AWS).
      if (out.functionError) throw new Error(`${FUNCTIONS.traffic.name}: ${out.payload.toString('utf8')}`);
      return out;
    },
  });
  // The rules exist: executions' status events (those the last run left undelivered first) flow.
  o.sfn.publishStatusEvents((event) => o.events.deliver(event));
  return arn;
}
