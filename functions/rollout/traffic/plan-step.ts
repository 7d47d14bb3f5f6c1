import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { HeadObjectCommand, type HeadObjectCommandOutput } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { UNPINNED_MODEL } from '../../../system/manifest.js';
import { lambda, s3 } from '../../shared/aws-clients.js';
import { isNotFound } from '../shared/aws-errors.js';
import { BadRolloutRequestError } from '../shared/errors.js';
import { lineageKey, patchLineage } from '../shared/lineage.js';
import { updateLineage } from '../shared/lineage-store.js';
import { readLive } from '../shared/live-alias.js';
import type { ExecutionContext, Plan } from '../shared/state.js';
import type { TrafficConfig } from './config.js';
import { startedMs, stateMachineArnOf } from './context.js';
import { assertFitsExecution } from './duration.js';
import { parseRolloutMetadata } from './metadata.js';
import { assertAllowed } from './rollout-policy.js';

/** The EventBridge "Object Created" event, as far as the rollout reads it. */
export const objectCreatedSchema = z.object({
  detail: z.object({
    bucket: z.object({ name: z.string().min(1) }),
    object: z.object({
      key: z.string().min(1),
      size: z.number().int().nonnegative().optional(),
      etag: z.string().optional(),
      'version-id': z.string().optional(),
    }),
  }),
});

const unquote = (etag: string | undefined) => etag?.replace(/^"|"$/g, '');

async function head(bucket: string, key: string, versionId: string | undefined) {
  return s3().send(new HeadObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
}

/**
 * Reads the upload's metadata and turns it into the plan every later step follows. Nothing is
 * changed here except the lineage record, so bad metadata rejects the rollout cleanly.
 */
export async function planStep(
  state: unknown,
  execution: ExecutionContext,
  config: TrafficConfig,
): Promise<Plan> {
  const parsed = objectCreatedSchema.safeParse(state);
  if (!parsed.success)
    throw new BadRolloutRequestError(`not an S3 Object Created event: ${parsed.error.message}`);
  const { bucket, object } = parsed.data.detail;
  if (bucket.name !== config.bucket) {
    // Only the deployment's model bucket may start a rollout (a hand-made StartExecution could name any).
    throw new BadRolloutRequestError(
      `s3://${bucket.name} is not the model bucket ${config.bucket}; nothing is read from it`,
    );
  }
  const versionId = object['version-id'];
  let key = object.key;
  let out: HeadObjectCommandOutput;
  try {
    out = await head(bucket.name, key, versionId);
  } catch (err) {
    // S3 notifications may carry the key URL-encoded ('+' for spaces); try the decoded form once.
    const decoded = decodeURIComponent(key.replace(/\+/g, ' '));
    if (!isNotFound(err) || decoded === key) throw notFound(err, bucket.name, key);
    key = decoded;
    out = await head(bucket.name, key, versionId).catch((e: unknown) => {
      throw notFound(e, bucket.name, key);
    });
  }
  const requested = parseRolloutMetadata(out.Metadata ?? {}, config.defaults);
  assertAllowed(requested, config.policy);
  assertFitsExecution(requested, config);
  const first = await servesNoModelYet(config);
  const request = first ? { ...requested, schedule: [], hold: false, experiment: undefined } : requested;
  const now = new Date();
  const model = {
    bucket: bucket.name,
    key,
    size: out.ContentLength ?? object.size,
    etag: unquote(object.etag ?? out.ETag),
    ...(versionId ? { versionId } : {}),
  };
  const plan: Plan = {
    executionName: execution.name,
    executionArn: execution.arn,
    stateMachineArn: stateMachineArnOf(execution),
    started: startedMs(execution, now),
    lineageKey: lineageKey(execution.name),
    model,
    ...request,
    validateInput: { ...model, executionName: execution.name },
  };
  await updateLineage(bucket.name, execution.name, 'upload', (r) =>
    patchLineage(r, now.toISOString(), {
      startedAt: new Date(plan.started).toISOString(),
      model,
      plan: {
        strategy: plan.strategy,
        parameters: plan.parameters,
        schedule: plan.schedule,
        intervalSeconds: plan.intervalSeconds,
        hold: plan.hold,
        ...(plan.experiment ? { experiment: plan.experiment } : {}),
        ...(first && requested.schedule.length > 0
          ? { note: `first model of a new stack: all at once instead of ${requested.strategy} (${first})` }
          : {}),
      },
    }),
  );
  return plan;
}

/**
 * Whether `live` serves no pinned model yet: the alias does not exist, or points at the version a
 * new stack publishes on the unpinned key (system/manifest.ts UNPINNED_MODEL). Then a canary has
 * nothing to be compared with and no traffic to be gated on — on an idle new stack it could only
 * extend and roll back — so the first model goes all at once. Returns why, or undefined.
 */
async function servesNoModelYet(config: TrafficConfig): Promise<string | undefined> {
  const live = await readLive(config.target);
  if (!live) return `alias ${config.target.alias} does not exist yet`;
  const cfg = await lambda().send(
    new GetFunctionConfigurationCommand({
      FunctionName: config.target.functionName,
      Qualifier: live.primary,
    }),
  );
  return cfg.Environment?.Variables?.MODEL_KEY === UNPINNED_MODEL.key
    ? `version ${live.primary} behind ${config.target.alias} serves no pinned model`
    : undefined;
}

function notFound(err: unknown, bucket: string, key: string): unknown {
  if (!isNotFound(err)) return err;
  return new BadRolloutRequestError(`s3://${bucket}/${key} no longer exists; nothing to roll out`);
}
