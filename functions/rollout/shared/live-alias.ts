import { CreateAliasCommand, GetAliasCommand, UpdateAliasCommand } from '@aws-sdk/client-lambda';
import { lambda } from '../../shared/aws-clients.js';
import { type AliasNote, type LiveAlias, readAliasNote, writeAliasNote } from './alias-note.js';
import { isNotFound, lambdaCall } from './aws-errors.js';

/** The recommend function and its serving alias, as configured for the rollout functions. */
export interface Target {
  functionName: string;
  alias: string;
}

/** Reads the alias; `undefined` when it does not exist yet (before the first rollout). */
export async function readLive(target: Target): Promise<LiveAlias | undefined> {
  try {
    const a = await lambda().send(
      new GetAliasCommand({ FunctionName: target.functionName, Name: target.alias }),
    );
    const weights = Object.entries(a.RoutingConfig?.AdditionalVersionWeights ?? {});
    const [extra] = weights;
    return {
      primary: a.FunctionVersion ?? '$LATEST',
      ...(extra ? { candidate: { version: extra[0], weight: extra[1] } } : {}),
      revisionId: a.RevisionId ?? '',
      note: readAliasNote(a.Description),
    };
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export interface LiveWrite {
  primary: string;
  candidate?: { version: string; weight: number };
  note: AliasNote;
}

/**
 * The only way the rollout changes the alias: conditional on the RevisionId it read, so two
 * writers can never interleave (a stale writer gets ConcurrentChange and re-reads).
 */
export async function writeLive(target: Target, read: LiveAlias, next: LiveWrite): Promise<LiveAlias> {
  const weights = next.candidate ? { [next.candidate.version]: next.candidate.weight } : {};
  const out = await lambdaCall(`update alias ${target.alias}`, () =>
    lambda().send(
      new UpdateAliasCommand({
        FunctionName: target.functionName,
        Name: target.alias,
        FunctionVersion: next.primary,
        RoutingConfig: { AdditionalVersionWeights: weights },
        Description: writeAliasNote(next.note),
        RevisionId: read.revisionId,
      }),
    ),
  );
  return { ...next, revisionId: out.RevisionId ?? '' };
}

/** First rollout: the alias does not exist, so the new version becomes live outright. */
export async function createLive(target: Target, version: string, note: AliasNote): Promise<void> {
  await lambdaCall(`create alias ${target.alias}`, () =>
    lambda().send(
      new CreateAliasCommand({
        FunctionName: target.functionName,
        Name: target.alias,
        FunctionVersion: version,
        Description: writeAliasNote(note),
      }),
    ),
  );
}
