import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import type { AwsService } from '../aws-endpoint.js';
import type { FunctionTelemetry } from '../cloudwatch/service.js';
import type { FunctionLogs } from '../logs/service.js';
import { effectiveQualifier, functionArn, parseFunctionName } from './arn.js';
import { snapshotBundle } from './code-store.js';
import {
  type Clock,
  createAlias,
  getFunction,
  getVersion,
  lambdaTimestamp,
  type PublishRequest,
  publishVersion,
  requireActive,
  resolveQualifier,
  runnableLatest,
  updateAlias,
  validateConfig,
} from './control-plane.js';
import { EnvironmentManager, type EnvironmentSpec } from './environments.js';
import { invokeRequestTooLarge, LambdaApiError, MAX_INVOKE_PAYLOAD_BYTES } from './errors.js';
import { type FunctionConfig, type FunctionRecord, LATEST, type LambdaState, nameMap } from './model.js';
import { serveLambdaRest } from './rest-api.js';
import { pickVersion } from './routing.js';
import { StateStore } from './store.js';

export interface LambdaServiceOptions {
  dataDir: string;
  region: string;
  accountId: string;
  /** AWS_ENDPOINT_URL given to every function, so their SDK clients reach the local cloud. */
  awsEndpoint: string;
  /** Where invocations and function output go, as Lambda feeds CloudWatch (none: not recorded). */
  cloudwatch?: FunctionTelemetry;
  /** Where each environment's log stream goes, as Lambda sends it to CloudWatch Logs (none: dropped). */
  logs?: FunctionLogs;
  /** Stop an environment after this long without work (default 5 min). */
  idleMs?: number;
  /** Concurrent environments per version before calls queue (default: the number of cores, at least 2). */
  maxEnvironmentsPerVersion?: number;
  /** How long UpdateFunctionConfiguration reports LastUpdateStatus InProgress (default 300 ms). */
  updateSettleMs?: number;
  /** How long a newly published version stays Pending (default 0: Active at once). */
  publishPendingMs?: number;
  log?: (line: string) => void;
  clock?: Clock;
  random?: () => number;
}

export interface FunctionDefinition {
  name: string;
  /** A bundle directory (index.mjs exporting the handler), e.g. one of scripts/bundle.ts. */
  bundleDir: string;
  /** Default `index.handler`. */
  handler?: string;
  environment: Record<string, string>;
  memoryMb: number;
  timeoutSeconds: number;
  description?: string;
}

export interface InvokeResult {
  statusCode: number;
  executedVersion: string;
  /** "Unhandled" when the handler threw, timed out or crashed; the payload is then Lambda's error JSON. */
  functionError?: string;
  payload: Buffer;
}

/** `serve` answers the Lambda REST operations routed to it (routes.ts). */
export interface LambdaService extends AwsService {
  /** Creates the function or updates $LATEST's code and configuration; a no-op when nothing changed. */
  ensureFunction(def: FunctionDefinition): Promise<void>;
  invoke(functionName: string, qualifier: string | undefined, payload: Buffer): Promise<InvokeResult>;
  /**
   * Invoke with an event built in this process (the API front's proxy event): the same routing,
   * environments and metrics, without serialising the event to check it is JSON and parsing it
   * again. The caller guarantees it is JSON-serialisable and far under the payload limit.
   */
  invokeEvent(functionName: string, qualifier: string, event: object): Promise<InvokeResult>;
  /** PublishVersion without HTTP (same rules); returns the version number. */
  publishVersion(functionName: string, req?: PublishRequest): Promise<string>;
  /** CreateAlias, or UpdateAlias when it exists (same rules); `weights` `{}` removes routing. */
  putAlias(
    functionName: string,
    alias: string,
    functionVersion: string,
    weights?: Record<string, number>,
  ): Promise<void>;
  /** Live execution environments per `function:version`. */
  environments(): Record<string, number>;
  /** The control-plane state (read-only use). */
  state(): LambdaState;
  close(): Promise<void>;
}

export async function createLambdaService(opts: LambdaServiceOptions): Promise<LambdaService> {
  const lambdaDir = path.join(opts.dataDir, 'lambda');
  const tmpRoot = path.join(opts.dataDir, 'tmp');
  await mkdir(lambdaDir, { recursive: true });
  const state = await StateStore.load(path.join(lambdaDir, 'state.json'));
  // Environments do not survive a restart, so neither does their /tmp.
  for (const name of Object.keys(state.functions))
    await rm(path.join(tmpRoot, name), { recursive: true, force: true });
  const store = new StateStore(path.join(lambdaDir, 'state.json'), () => state);
  const clock = opts.clock ?? { now: () => Date.now() };
  const random = opts.random ?? Math.random;
  const manager = new EnvironmentManager({
    tmpRoot,
    idleMs: opts.idleMs ?? 300_000,
    // More environments than cores only adds context switches (measured on 2 cores: 2 ≥ 4).
    maxPerVersion: opts.maxEnvironmentsPerVersion ?? Math.max(2, availableParallelism()),
    log: opts.log,
    onOutputLine: opts.cloudwatch && ((line) => opts.cloudwatch?.functionOutput(line)),
    onLogEvent: opts.logs && ((e) => opts.logs?.functionLog(e.functionName, e.stream, e.message)),
  });
  const ctx: ServiceContext = {
    state,
    clock,
    region: opts.region,
    accountId: opts.accountId,
    lambdaDir,
    settleMs: opts.updateSettleMs ?? 300,
    pendingMs: opts.publishPendingMs ?? 0,
    save: () => store.save(),
    saving: () => store.saving,
    saved: () => store.saved(),
    invoke: (fn, q, payload) => invoke(fn, q, payload),
  };

  const specs = new Map<string, EnvironmentSpec>();
  function specFor(fn: FunctionRecord, config: FunctionConfig): EnvironmentSpec {
    const key = `${fn.name}\0${config.version}\0${config.revisionId}`;
    let spec = specs.get(key);
    if (spec) return spec;
    const codeDir = path.resolve(lambdaDir, config.codeDir);
    spec = {
      functionName: fn.name,
      version: config.version,
      revision: config.revisionId,
      codeDir,
      handler: config.handler,
      memoryMb: config.memoryMb,
      timeoutSeconds: config.timeoutSeconds,
      env: {
        PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
        LANG: 'en_US.UTF-8',
        TZ: ':UTC',
        AWS_ENDPOINT_URL: opts.awsEndpoint,
        ...config.environment,
        // Reserved variables last: Lambda does not let a function's configuration override them.
        _HANDLER: config.handler,
        LAMBDA_TASK_ROOT: codeDir,
        AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
        AWS_LAMBDA_FUNCTION_NAME: fn.name,
        AWS_LAMBDA_FUNCTION_VERSION: config.version,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(config.memoryMb),
        AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.name}`,
        AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
        AWS_REGION: opts.region,
        AWS_DEFAULT_REGION: opts.region,
      },
    };
    specs.set(key, spec);
    return spec;
  }

  async function invoke(
    functionName: string,
    qualifier: string | undefined,
    payload: Buffer,
  ): Promise<InvokeResult> {
    return run(functionName, qualifier, () => {
      if (payload.length > MAX_INVOKE_PAYLOAD_BYTES) throw invokeRequestTooLarge();
      const event = payload.length === 0 ? '{}' : payload.toString('utf8');
      try {
        JSON.parse(event);
      } catch {
        throw new LambdaApiError(
          'InvalidRequestContentException',
          400,
          'Could not parse request body into json',
        );
      }
      return event;
    });
  }

  /** One invocation; `event` (checked after the function and qualifier, as Lambda does) is JSON text or an object. */
  async function run(
    functionName: string,
    qualifier: string | undefined,
    prepare: () => string | object,
  ): Promise<InvokeResult> {
    const parsed = parseFunctionName(functionName);
    const q = effectiveQualifier(parsed.qualifier, qualifier);
    const fn = getFunction(state, parsed.name);
    const resolved = resolveQualifier(fn, q);
    const chosen =
      resolved.kind === 'alias'
        ? getVersion(fn, pickVersion(resolved.alias.functionVersion, resolved.alias.weights, random()))
        : resolved.config;
    const config = chosen.version === LATEST ? runnableLatest(fn, clock) : chosen;
    requireActive(config, clock);
    const event = prepare();
    const requestId = randomUUID();
    const arn = functionArn(opts.region, opts.accountId, fn.name, q);
    let outcome = await manager.invoke(specFor(fn, config), event, requestId, arn);
    if (
      outcome.payload.length > MAX_INVOKE_PAYLOAD_BYTES / 3 &&
      Buffer.byteLength(outcome.payload) > MAX_INVOKE_PAYLOAD_BYTES
    ) {
      outcome = {
        ...outcome,
        functionError: 'Unhandled',
        payload: JSON.stringify({
          errorType: 'Function.ResponseSizeTooLarge',
          errorMessage: `Response payload size exceeded maximum allowed payload size (${MAX_INVOKE_PAYLOAD_BYTES} bytes).`,
        }),
      };
    }
    opts.cloudwatch?.recordInvocation({
      functionName: fn.name,
      resource: q === undefined ? fn.name : `${fn.name}:${q}`,
      executedVersion: config.version,
      error: outcome.functionError !== undefined,
      durationMs: outcome.durationMs,
    });
    return {
      statusCode: 200,
      executedVersion: config.version,
      functionError: outcome.functionError,
      payload: Buffer.from(outcome.payload, 'utf8'),
    };
  }

  async function ensureFunction(def: FunctionDefinition): Promise<void> {
    validateConfig({
      environment: def.environment,
      memoryMb: def.memoryMb,
      timeoutSeconds: def.timeoutSeconds,
    });
    const code = await snapshotBundle(lambdaDir, def.bundleDir);
    const wanted = {
      handler: def.handler ?? 'index.handler',
      environment: nameMap(Object.entries(def.environment)),
      memoryMb: def.memoryMb,
      timeoutSeconds: def.timeoutSeconds,
      description: def.description ?? '',
      ...code,
    };
    const existing = state.functions[def.name];
    const now = clock.now();
    if (!existing) {
      state.functions[def.name] = {
        name: def.name,
        latest: { version: LATEST, revisionId: randomUUID(), lastModified: lambdaTimestamp(now), ...wanted },
        updateCompletesAt: 0,
        versions: [],
        nextVersion: 1,
        aliases: nameMap(),
      };
    } else {
      const current = existing.latest;
      const same = (Object.keys(wanted) as (keyof typeof wanted)[]).every(
        (k) => JSON.stringify(current[k]) === JSON.stringify(wanted[k]),
      );
      if (same) return;
      existing.latest = {
        ...current,
        ...wanted,
        revisionId: randomUUID(),
        lastModified: lambdaTimestamp(now),
      };
      existing.updateCompletesAt = 0;
    }
    await store.save();
  }

  return {
    serve: (call, res) => serveLambdaRest(ctx, call, res),
    ensureFunction,
    invoke,
    invokeEvent: (functionName, qualifier, event) => run(functionName, qualifier, () => event),
    async publishVersion(functionName, req = {}) {
      const { config, created } = publishVersion(getFunction(state, functionName), req, clock, ctx.pendingMs);
      if (created) await store.save();
      return config.version;
    },
    async putAlias(functionName, alias, functionVersion, weights) {
      const fn = getFunction(state, functionName);
      if (fn.aliases[alias]) updateAlias(fn, alias, { functionVersion, weights });
      else createAlias(fn, { name: alias, functionVersion, weights });
      await store.save();
    },
    environments: () => manager.counts(),
    state: () => state,
    async close() {
      await manager.close();
      await store.save();
    },
  };
}

/** What the REST layer needs from the service. */
export interface ServiceContext {
  state: LambdaState;
  clock: Clock;
  region: string;
  accountId: string;
  lambdaDir: string;
  settleMs: number;
  pendingMs: number;
  save(): Promise<void>;
  /** A save is running or queued: the state in memory may be ahead of state.json. */
  saving(): boolean;
  /** Settles when the saves running or queued now have finished. */
  saved(): Promise<void>;
  invoke(functionName: string, qualifier: string | undefined, payload: Buffer): Promise<InvokeResult>;
}
