import { randomUUID } from 'node:crypto';
import { validateEnvironment } from './environment-variables.js';
import { conflict, invalidParameter, notFound, preconditionFailed } from './errors.js';
import { validateHandler } from './handler.js';
import {
  type Alias,
  type FunctionConfig,
  type FunctionRecord,
  LATEST,
  type LambdaState,
  nameMap,
} from './model.js';
import { validateRouting } from './routing.js';

/**
 * The Lambda control plane's decisions over the in-memory state: no I/O, the clock injected, so the
 * preconditions, conflicts and the "publish unchanged returns the last version" rule are unit tested.
 * Every mutating function returns what the API answers; the caller persists the state.
 */
export interface Clock {
  now(): number;
}

/** Lambda's timestamp format for LastModified (a string field, not a timestamp, in the API). */
export function lambdaTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

export function getFunction(state: LambdaState, name: string): FunctionRecord {
  const fn = Object.hasOwn(state.functions, name) ? state.functions[name] : undefined;
  if (!fn) throw notFound(`Function not found: ${name}`);
  return fn;
}

export function isUpdating(fn: FunctionRecord, clock: Clock): boolean {
  return clock.now() < fn.updateCompletesAt;
}

/** A just-published version is Pending until `activeAt`; Lambda does not invoke it meanwhile. */
export function isPending(config: FunctionConfig, clock: Clock): boolean {
  return config.activeAt !== undefined && clock.now() < config.activeAt;
}

/**
 * Invoking a Pending version fails as Lambda documents ("Lambda does not invoke a function during
 * pending state", https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html): 409
 * ResourceConflictException (https://docs.aws.amazon.com/lambda/latest/dg/troubleshooting-invocation.html).
 */
export function requireActive(config: FunctionConfig, clock: Clock): void {
  if (isPending(config, clock)) {
    throw conflict(
      'The operation cannot be performed at this time. The function is currently in the following state: Pending',
    );
  }
}

/** What an invocation of $LATEST runs: like Lambda, the previous configuration until an update completes. */
export function runnableLatest(fn: FunctionRecord, clock: Clock): FunctionConfig {
  return isUpdating(fn, clock) && fn.previousLatest ? fn.previousLatest : fn.latest;
}

/** A version's configuration: `$LATEST` or a published number. */
export function getVersion(fn: FunctionRecord, version: string): FunctionConfig {
  if (version === LATEST) return fn.latest;
  const found = fn.versions.find((v) => v.version === version);
  if (!found) throw notFound(`Function not found: ${fn.name}:${version}`);
  return found;
}

export type Resolved = { kind: 'version'; config: FunctionConfig } | { kind: 'alias'; alias: Alias };

/** What a qualifier names: none or `$LATEST`, a version number, or an alias. */
export function resolveQualifier(fn: FunctionRecord, qualifier: string | undefined): Resolved {
  if (qualifier === undefined || qualifier === LATEST || /^[0-9]+$/.test(qualifier)) {
    return { kind: 'version', config: getVersion(fn, qualifier ?? LATEST) };
  }
  const alias = Object.hasOwn(fn.aliases, qualifier) ? fn.aliases[qualifier] : undefined;
  if (!alias) throw notFound(`Function not found: ${fn.name}:${qualifier}`);
  return { kind: 'alias', alias };
}

export interface ConfigUpdate {
  environment?: Record<string, string>;
  memoryMb?: number;
  timeoutSeconds?: number;
  description?: string;
  handler?: string;
  revisionId?: string;
}

export function validateConfig(update: ConfigUpdate): void {
  if (update.timeoutSeconds !== undefined && (update.timeoutSeconds < 1 || update.timeoutSeconds > 900)) {
    throw invalidParameter(`Timeout ${update.timeoutSeconds} must be between 1 and 900 seconds.`);
  }
  if (update.memoryMb !== undefined && (update.memoryMb < 128 || update.memoryMb > 10240)) {
    throw invalidParameter(`MemorySize ${update.memoryMb} must be between 128 and 10240 MB.`);
  }
  if (update.environment) validateEnvironment(update.environment);
  if (update.handler !== undefined) validateHandler(update.handler);
}

/**
 * UpdateFunctionConfiguration: refused with 409 while the previous update is still InProgress, 412
 * on a stale RevisionId; otherwise $LATEST changes at once and reports InProgress for `settleMs`.
 */
export function updateConfiguration(
  fn: FunctionRecord,
  update: ConfigUpdate,
  clock: Clock,
  settleMs: number,
): FunctionConfig {
  if (isUpdating(fn, clock)) {
    throw conflict(
      `The operation cannot be performed at this time. An update is in progress for resource: ${fn.name}`,
    );
  }
  if (update.revisionId !== undefined && update.revisionId !== fn.latest.revisionId) {
    throw preconditionFailed(
      'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
    );
  }
  validateConfig(update);
  fn.previousLatest = fn.latest;
  fn.latest = {
    ...fn.latest,
    environment: update.environment ?? fn.latest.environment,
    memoryMb: update.memoryMb ?? fn.latest.memoryMb,
    timeoutSeconds: update.timeoutSeconds ?? fn.latest.timeoutSeconds,
    description: update.description ?? fn.latest.description,
    handler: update.handler ?? fn.latest.handler,
    revisionId: randomUUID(),
    lastModified: lambdaTimestamp(clock.now()),
  };
  fn.updateCompletesAt = clock.now() + settleMs;
  return fn.latest;
}

/**
 * The parts of a configuration a published version freezes; equal parts mean "nothing to publish".
 * The description is left out: a version's description comes from the PublishVersion call.
 */
function publishedShape(c: FunctionConfig): string {
  return JSON.stringify([c.codeSha256, c.handler, c.environment, c.memoryMb, c.timeoutSeconds]);
}

export interface PublishRequest {
  codeSha256?: string;
  revisionId?: string;
  description?: string;
}

/**
 * PublishVersion: an immutable copy of $LATEST. Preconditions answer 412; an update in progress 409;
 * publishing when neither code nor configuration changed since the last version returns that version.
 * A new version is Pending for `pendingMs` (0: Active at once).
 */
export function publishVersion(
  fn: FunctionRecord,
  req: PublishRequest,
  clock: Clock,
  pendingMs = 0,
): { config: FunctionConfig; created: boolean } {
  if (isUpdating(fn, clock)) {
    throw conflict(
      `The operation cannot be performed at this time. An update is in progress for resource: ${fn.name}`,
    );
  }
  if (req.revisionId !== undefined && req.revisionId !== fn.latest.revisionId) {
    throw preconditionFailed(
      'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
    );
  }
  if (req.codeSha256 !== undefined && req.codeSha256 !== fn.latest.codeSha256) {
    throw preconditionFailed(
      `CodeSHA256 (${req.codeSha256}) is different from current CodeSHA256 in $LATEST (${fn.latest.codeSha256}). Please try again with the CodeSHA256 in $LATEST.`,
    );
  }
  const last = fn.versions.at(-1);
  if (last && publishedShape(last) === publishedShape(fn.latest)) return { config: last, created: false };
  const config: FunctionConfig = {
    ...fn.latest,
    environment: nameMap(Object.entries(fn.latest.environment)),
    version: String(fn.nextVersion),
    description: req.description ?? fn.latest.description,
    revisionId: randomUUID(),
    lastModified: lambdaTimestamp(clock.now()),
    ...(pendingMs > 0 ? { activeAt: clock.now() + pendingMs } : {}),
  };
  fn.nextVersion += 1;
  fn.versions.push(config);
  return { config, created: true };
}

const ALIAS_NAME = /^(?!^[0-9]+$)[a-zA-Z0-9-_]{1,128}$/;

function requireAliasTarget(fn: FunctionRecord, version: string): void {
  if (version !== LATEST) getVersion(fn, version);
}

export interface AliasInput {
  name: string;
  functionVersion: string;
  description?: string;
  weights?: Record<string, number>;
}

export function createAlias(fn: FunctionRecord, input: AliasInput): Alias {
  if (!ALIAS_NAME.test(input.name)) {
    throw invalidParameter(
      `Alias name ${input.name} must match ${ALIAS_NAME.source} and not be only digits.`,
    );
  }
  if (Object.hasOwn(fn.aliases, input.name)) throw conflict(`Alias already exists: ${fn.name}:${input.name}`);
  const weights = input.weights ?? {};
  validateRouting(input.functionVersion, weights);
  requireAliasTarget(fn, input.functionVersion);
  for (const v of Object.keys(weights)) requireAliasTarget(fn, v);
  const alias: Alias = {
    name: input.name,
    functionVersion: input.functionVersion,
    description: input.description ?? '',
    weights: nameMap(Object.entries(weights)),
    revisionId: randomUUID(),
  };
  fn.aliases[input.name] = alias;
  return alias;
}

export interface AliasUpdate {
  functionVersion?: string;
  description?: string;
  /** Absent keeps the current routing; `{}` removes it (as AWS). */
  weights?: Record<string, number>;
  revisionId?: string;
}

export function updateAlias(fn: FunctionRecord, name: string, update: AliasUpdate): Alias {
  const alias = getAlias(fn, name);
  if (update.revisionId !== undefined && update.revisionId !== alias.revisionId) {
    throw preconditionFailed(
      'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
    );
  }
  const functionVersion = update.functionVersion ?? alias.functionVersion;
  const weights = update.weights ?? alias.weights;
  validateRouting(functionVersion, weights);
  requireAliasTarget(fn, functionVersion);
  for (const v of Object.keys(weights)) requireAliasTarget(fn, v);
  const next: Alias = {
    name,
    functionVersion,
    description: update.description ?? alias.description,
    weights: nameMap(Object.entries(weights)),
    revisionId: randomUUID(),
  };
  fn.aliases[name] = next;
  return next;
}

export function getAlias(fn: FunctionRecord, name: string): Alias {
  const alias = Object.hasOwn(fn.aliases, name) ? fn.aliases[name] : undefined;
  if (!alias) throw notFound(`Alias not found: ${fn.name}:${name}`);
  return alias;
}

export function deleteAlias(fn: FunctionRecord, name: string): void {
  getAlias(fn, name);
  delete fn.aliases[name];
}
