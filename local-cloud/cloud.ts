import { mkdir } from 'node:fs/promises';
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { bundleFunctions, hostArch } from '../scripts/bundle.js';
import {
  FUNCTIONS,
  type FunctionKey,
  RECOMMEND_FUNCTION_NAME,
  ROLLOUT_STATE_MACHINE_NAME,
} from '../system/manifest.js';
import type { PERMISSIONS } from '../system/permissions.js';
import { createApiFront } from './api/front.js';
import { type AwsServices, awsEndpoint } from './aws-endpoint.js';
import { type AwsTimingOption, resolveAwsTiming, timingSettings } from './aws-timing.js';
import { bootstrap } from './bootstrap.js';
import { localClients } from './clients.js';
import { type CloudWatchService, createCloudWatchService } from './cloudwatch/service.js';
import { publishDefaultModel, rollOutDefaultModel } from './default-model.js';
import { EventBus } from './events/bus.js';
import { createAuthorizer } from './iam/authorizer.js';
import { createLambdaService, type LambdaService } from './lambda/index.js';
import type { Log } from './log.js';
import { createLogsService, type LogsService } from './logs/service.js';
import { isLoopbackBinding, refuseForeignHost } from './loopback-host.js';
import { rolloutOutcome } from './rollout-outcome.js';
import { wireRollout } from './rollout-wiring.js';
import { startS3Service } from './s3/service.js';
import { createSecretsService } from './secrets/service.js';
import { type SfnService, startSfnService } from './sfn/service.js';

/**
 * The whole local cloud in one process: one AWS endpoint (S3, Lambda, Step Functions, CloudWatch and
 * CloudWatch Logs on one port, routed by the table in routes.ts as AWS's hostnames would), the HTTP API, the event
 * bus between S3 and Step Functions, and the bootstrap that creates what the CDK stack creates.
 */
export interface LocalCloudOptions {
  dataDir: string;
  /** 0 picks a free port. */
  awsPort: number;
  apiPort: number;
  host?: string;
  region?: string;
  accountId?: string;
  /** Multiplies Wait `Seconds` and Retry intervals of executions (tests: 0.01). Default 1. */
  timeScale?: number;
  /** Which functions to bundle and create: all (default), some, or none. */
  functions?: 'all' | 'none' | FunctionKey[];
  /** Train and put the default model live on first start (default true). */
  model?: boolean;
  /** Create the rollout state machine and its S3 → Step Functions rule (default true). */
  rollout?: boolean;
  /** Bundle output directory (default dist/functions). */
  bundleOutDir?: string;
  /** Tests: the bootstrap waits for this before it starts (to observe the not-ready state). */
  bootstrapGate?: Promise<void>;
  /** Idle expiry of execution environments (ms). */
  idleMs?: number;
  /** AWS's delays (aws-timing.ts): late metrics, Pending versions, slow configuration updates. */
  awsTiming?: AwsTimingOption;
  /**
   * The statements each function's role has (default system/permissions.ts). Tests only: a test
   * removes one to show what it breaks.
   */
  permissions?: typeof PERMISSIONS;
  log?: Log;
}

export interface LocalCloud {
  awsEndpoint: string;
  apiEndpoint: string;
  region: string;
  accountId: string;
  dataDir: string;
  /** Resolves when the bootstrap has finished; rejects if it failed. */
  ready: Promise<void>;
  health(): Health;
  lambda: LambdaService;
  sfn: SfnService;
  cloudwatch: CloudWatchService;
  logs: LogsService;
  events: EventBus;
  stop(): Promise<void>;
}

export interface Health {
  ready: boolean;
  parts: Record<'s3' | 'lambda' | 'stepFunctions' | 'events' | 'bootstrap', string>;
  liveVersion?: string;
  warnings: string[];
  error?: string;
}

export const DEFAULT_REGION = 'us-east-1';
export const DEFAULT_ACCOUNT_ID = '000000000000';

export async function startLocalCloud(opts: LocalCloudOptions): Promise<LocalCloud> {
  const host = opts.host ?? '127.0.0.1';
  const region = opts.region ?? DEFAULT_REGION;
  const accountId = opts.accountId ?? DEFAULT_ACCOUNT_ID;
  const dataDir = path.resolve(opts.dataDir);
  const log = opts.log ?? (() => {});
  await mkdir(dataDir, { recursive: true });

  const health: Health = {
    ready: false,
    parts: {
      s3: 'starting',
      lambda: 'starting',
      stepFunctions: 'starting',
      events: 'starting',
      bootstrap: 'pending',
    },
    warnings: [],
  };
  const warn = (line: string) => {
    health.warnings.push(line);
    log(`warning: ${line}`, 'warn');
  };
  if (!isLoopbackBinding(host)) {
    warn(
      `LISTENING ON ${host}, NOT LOOPBACK: anyone who can reach this address can reconfigure and run the functions and read and write the bucket (no credentials are checked); only requests addressed to ${host} or a loopback name are answered`,
    );
  }

  // The AWS port first: functions get its address as AWS_ENDPOINT_URL before anything runs. Until a
  // service is in `services`, its requests answer 503.
  const services: AwsServices = {};
  // IAM as on AWS: a request signed as a function (its environments' access key id) acts as its role.
  const authorizer = createAuthorizer({
    region,
    accountId,
    ...(opts.permissions ? { permissions: opts.permissions } : {}),
    log,
  });
  const awsServer = http.createServer(awsEndpoint(services, log, authorizer, host));
  const awsPort = await listen(awsServer, opts.awsPort, host);
  const awsEndpointUrl = `http://${host}:${awsPort}`;

  const timing = resolveAwsTiming(opts.awsTiming);
  const cloudwatch = createCloudWatchService(timing ? { metricDelayMs: timing.metricDelayMs } : {});
  services.cloudwatch = cloudwatch;
  const secrets = createSecretsService({ dataDir, region, accountId });
  services.secretsmanager = secrets;
  const logs = createLogsService({ region, accountId });
  services.logs = logs;
  const events = new EventBus(log);
  const lambda = await createLambdaService({
    dataDir,
    region,
    accountId,
    awsEndpoint: awsEndpointUrl,
    cloudwatch,
    logs,
    ...(opts.idleMs !== undefined ? { idleMs: opts.idleMs } : {}),
    ...(timing ? { publishPendingMs: timing.publishPendingMs, updateSettleMs: timing.updateSettleMs } : {}),
    log,
  });
  services.lambda = lambda;
  health.parts.lambda = 'ok';
  const s3 = await startS3Service({
    dataDir,
    region,
    accountId,
    onObjectCreated: (e) => events.putEvent(e),
    log,
  });
  services.s3 = s3;
  health.parts.s3 = 'ok';
  const sfn = await startSfnService({
    dataDir,
    region,
    accountId,
    invoke: (name, qualifier, payload) => lambda.invoke(name, qualifier, payload),
    timeScale: opts.timeScale ?? 1,
    log,
    // The one terminal line a rollout leaves without --verbose (its functions' lines are in logs/).
    onExecutionEnd: (exec) => {
      if (exec.stateMachineName === ROLLOUT_STATE_MACHINE_NAME) log(rolloutOutcome(exec), 'notice');
    },
  });
  services.sfn = sfn;
  health.parts.stepFunctions = 'ok';

  const api = createApiFront({
    invoke: (name, qualifier, event) => lambda.invokeEvent(name, qualifier, event),
    accountId,
    health: () => health,
    aws: { endpoint: awsEndpointUrl, region },
    log,
  });
  const apiServer = http.createServer((req, res) => {
    if (refuseForeignHost(req, res, host)) return;
    api(req, res).catch((err: unknown) => {
      log(`api: ${String(err)}`, 'error');
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  const apiPort = await listen(apiServer, opts.apiPort, host);

  const clients = localClients(awsEndpointUrl, region);
  const functionKeys = opts.functions ?? 'all';
  const ready = (async () => {
    await opts.bootstrapGate;
    health.parts.bootstrap = 'running';
    const result = await bootstrap({
      clients,
      lambda,
      secrets,
      environmentOverrides: timingSettings(timing),
      bundle: () =>
        functionKeys === 'none'
          ? Promise.resolve({})
          : bundleFunctions({
              arch: hostArch(),
              ...(functionKeys !== 'all' ? { only: functionKeys } : {}),
              ...(opts.bundleOutDir ? { outDir: opts.bundleOutDir } : {}),
              log,
            }),
      warn,
      log,
    });
    const stateMachineArn =
      (opts.rollout ?? true)
        ? await wireRollout({
            sfn,
            events,
            region,
            accountId,
            warn,
            log,
            invoke: (name, qualifier, payload) => lambda.invoke(name, qualifier, payload),
          })
        : undefined;
    let liveVersion = result.liveVersion;
    if (!liveVersion && (opts.model ?? true) && result.functions.includes(RECOMMEND_FUNCTION_NAME)) {
      // Through the real pipeline when all of it is here; directly when a test started only a part.
      const pipelineReady =
        stateMachineArn !== undefined &&
        Object.values(FUNCTIONS).every((spec) => result.functions.includes(spec.name));
      const live = pipelineReady
        ? await rollOutDefaultModel({ clients, log, stateMachineArn })
        : await publishDefaultModel({ clients, log });
      liveVersion = live.liveVersion;
    }
    if (liveVersion) health.liveVersion = liveVersion;
    health.parts.events = 'ok';
    health.parts.bootstrap = 'done';
    health.ready = true;
  })();
  ready.catch((err: unknown) => {
    health.parts.bootstrap = 'failed';
    health.error = err instanceof Error ? err.message : String(err);
    log(`bootstrap failed: ${health.error}`, 'error');
  });

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      // Let a bootstrap in flight finish (it uses the services), but never hang a stop on it.
      await Promise.race([ready.catch(() => {}), new Promise((r) => setTimeout(r, 60_000).unref())]);
      await Promise.all([close(apiServer), close(awsServer)]);
      await sfn.close();
      await events.drain();
      await lambda.close();
      await s3.close();
      for (const c of Object.values(clients)) c.destroy();
    })();
    return stopped;
  };

  return {
    awsEndpoint: awsEndpointUrl,
    apiEndpoint: `http://${host}:${apiPort}`,
    region,
    accountId,
    dataDir,
    ready,
    health: () => health,
    lambda,
    sfn,
    cloudwatch,
    logs,
    events,
    stop,
  };
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
