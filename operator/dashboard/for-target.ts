import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { connect, type ReadModel, readModel, type TargetOptions } from '../read-model/index.js';
import { createDashboardHandler } from './handler.js';
import { buildSnapshot } from './snapshot.js';
import type { DashboardTiming } from './timing.js';

/**
 * The dashboard's handler for one target (the local cloud's endpoint, or AWS with the SDK's default
 * credential chain): the read model's connection, made on the first request and again after a
 * failure (the local cloud's front starts before its state machine exists).
 */
export interface TargetDashboardOptions extends DashboardTiming {
  target: TargetOptions;
  /** The environment target resolution reads (AWS_ENDPOINT_URL, AWS_REGION, AWS_PROFILE). */
  env?: NodeJS.ProcessEnv;
  /** How many of the newest rollouts are shown (default 10). */
  rollouts?: number;
}

export function targetDashboard(o: TargetDashboardOptions) {
  let connected: Promise<{ read: ReadModel; cloudwatch: CloudWatchClient }> | undefined;
  const connection = () => {
    connected ??= connect(o.target, o.env).then((connection) => ({
      read: readModel(connection),
      // The read model's clients have no CloudWatch; this one shares their region and credentials.
      cloudwatch: new CloudWatchClient({
        region: connection.target.region,
        credentials: connection.lambda.config.credentials,
        ...(connection.target.endpoint ? { endpoint: connection.target.endpoint } : {}),
      }),
    }));
    connected.catch(() => {
      connected = undefined;
    });
    return connected;
  };
  const handle = createDashboardHandler({
    refreshSeconds: o.refreshSeconds,
    snapshot: async () => {
      const { read, cloudwatch } = await connection();
      return buildSnapshot({
        read,
        cloudwatch,
        periodSeconds: o.periodSeconds,
        windowSeconds: o.windowSeconds,
        rollouts: o.rollouts ?? 10,
      });
    },
  });
  return {
    handle,
    /** Resolves the target now (the CLI reports a bad one before it serves). */
    connect: connection,
    async close() {
      const c = await connected?.catch(() => undefined);
      if (!c) return;
      const { s3, lambda, sfn } = c.read.connection;
      for (const client of [s3, lambda, sfn, c.cloudwatch]) client.destroy();
    },
  };
}
