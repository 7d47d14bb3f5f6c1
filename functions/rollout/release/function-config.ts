import {
  type FunctionConfiguration,
  GetFunctionConfigurationCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { lambda } from '../../shared/aws-clients.js';
import { lambdaCall } from '../shared/aws-errors.js';
import { UpdateInProgressError } from '../shared/errors.js';
import { type PublishedVersion, versionFingerprint } from './model-env.js';

export async function latestConfiguration(functionName: string): Promise<FunctionConfiguration> {
  return lambda().send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
}

/**
 * Polls `$LATEST` until no update is in progress (calls keep using the old configuration while
 * it is, and PublishVersion would 409). Past the budget the ASL's UpdateInProgress retry takes over.
 */
export async function settledConfiguration(
  functionName: string,
  budgetMs: number,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<FunctionConfiguration> {
  const deadline = Date.now() + budgetMs;
  for (let delay = 25; ; delay = Math.min(Math.ceil(delay * 1.5), 250)) {
    const cfg = await latestConfiguration(functionName);
    if (cfg.LastUpdateStatus === 'Failed') {
      throw new Error(
        `${functionName} $LATEST update failed: ${cfg.LastUpdateStatusReason ?? 'no reason given'}`,
      );
    }
    if (cfg.LastUpdateStatus !== 'InProgress' && cfg.State !== 'Pending') return cfg;
    if (Date.now() + delay > deadline) {
      throw new UpdateInProgressError(`${functionName} $LATEST is still updating after ${budgetMs} ms`);
    }
    await sleep(delay);
  }
}

/**
 * Polls a just-published version until its State is Active: a version can be Pending for a while
 * after PublishVersion, and invoking it then fails with ResourceNotReadyException. Past the budget
 * the state machine's UpdateInProgress retry takes over.
 */
export async function activeVersion(
  functionName: string,
  version: string,
  budgetMs: number,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<FunctionConfiguration> {
  const deadline = Date.now() + budgetMs;
  for (let delay = 25; ; delay = Math.min(Math.ceil(delay * 1.5), 250)) {
    const cfg = await lambda().send(
      new GetFunctionConfigurationCommand({ FunctionName: functionName, Qualifier: version }),
    );
    if (cfg.State === 'Failed')
      throw new Error(
        `${functionName}:${version} failed to become active: ${cfg.StateReason ?? 'no reason'}`,
      );
    if (cfg.State === undefined || cfg.State === 'Active') return cfg;
    if (Date.now() + delay > deadline)
      throw new UpdateInProgressError(
        `${functionName}:${version} is still ${cfg.State} after ${budgetMs} ms`,
      );
    await sleep(delay);
  }
}

export async function updateEnvironment(
  functionName: string,
  cfg: FunctionConfiguration,
  variables: Record<string, string>,
) {
  return lambdaCall('update $LATEST configuration', () =>
    lambda().send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: functionName,
        Environment: { Variables: variables },
        RevisionId: cfg.RevisionId,
      }),
    ),
  );
}

export async function publish(functionName: string, cfg: FunctionConfiguration, description: string) {
  return lambdaCall('publish version', () =>
    lambda().send(
      new PublishVersionCommand({
        FunctionName: functionName,
        RevisionId: cfg.RevisionId,
        Description: description.slice(0, 256),
      }),
    ),
  );
}

/** Every published version, and $LATEST's fingerprint (model-env.ts, versionFingerprint). */
export async function publishedVersions(
  functionName: string,
): Promise<{ versions: PublishedVersion[]; latest: string }> {
  const versions: PublishedVersion[] = [];
  let latest = '';
  let marker: string | undefined;
  do {
    const page = await lambda().send(
      new ListVersionsByFunctionCommand({ FunctionName: functionName, Marker: marker, MaxItems: 50 }),
    );
    for (const v of page.Versions ?? []) {
      if (v.Version === '$LATEST') latest = versionFingerprint(v);
      else if (v.Version) {
        const vars = v.Environment?.Variables ?? {};
        versions.push({
          version: v.Version,
          sha256: vars.MODEL_SHA256,
          key: vars.MODEL_KEY,
          versionId: vars.MODEL_VERSION_ID,
          fingerprint: versionFingerprint(v),
        });
      }
    }
    marker = page.NextMarker;
  } while (marker);
  return { versions, latest };
}
