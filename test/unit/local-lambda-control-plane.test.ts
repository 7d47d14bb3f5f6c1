import { beforeEach, describe, expect, it } from 'vitest';
import {
  createAlias,
  deleteAlias,
  publishVersion,
  resolveQualifier,
  runnableLatest,
  updateAlias,
  updateConfiguration,
} from '../../local-cloud/lambda/control-plane.js';
import { LambdaApiError } from '../../local-cloud/lambda/errors.js';
import type { FunctionRecord } from '../../local-cloud/lambda/model.js';

function errorOf(fn: () => unknown): LambdaApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof LambdaApiError) return err;
    throw err;
  }
  throw new Error('expected a LambdaApiError');
}

const clock = {
  t: 1_000_000,
  now() {
    return this.t;
  },
};

function newFunction(): FunctionRecord {
  return {
    name: 'fn',
    latest: {
      version: '$LATEST',
      handler: 'index.handler',
      environment: { AA: '1' },
      memoryMb: 256,
      timeoutSeconds: 5,
      description: '',
      codeSha256: 'sha-1',
      codeSize: 10,
      codeDir: 'code/1',
      revisionId: 'rev-0',
      lastModified: '',
    },
    updateCompletesAt: 0,
    versions: [],
    nextVersion: 1,
    aliases: {},
  };
}

describe('publishVersion', () => {
  let fn: FunctionRecord;
  beforeEach(() => {
    fn = newFunction();
  });

  it('snapshots $LATEST: later changes to $LATEST do not reach the version', () => {
    const { config, created } = publishVersion(fn, {}, clock);
    expect(created).toBe(true);
    expect(config.version).toBe('1');
    updateConfiguration(fn, { environment: { AA: '2' } }, clock, 0);
    expect(fn.versions[0]?.environment).toEqual({ AA: '1' });
    expect(fn.latest.environment).toEqual({ AA: '2' });
  });

  it('returns the last version when nothing changed, a new one when something did', () => {
    expect(publishVersion(fn, {}, clock).config.version).toBe('1');
    expect(publishVersion(fn, { description: 'again' }, clock)).toMatchObject({
      created: false,
      config: { version: '1' },
    });
    fn.latest = { ...fn.latest, codeSha256: 'sha-2' };
    expect(publishVersion(fn, {}, clock).config.version).toBe('2');
    updateConfiguration(fn, { memoryMb: 512 }, clock, 0);
    expect(publishVersion(fn, {}, clock).config.version).toBe('3');
  });

  it('refuses a stale RevisionId or CodeSha256 with 412', () => {
    expect(errorOf(() => publishVersion(fn, { revisionId: 'other' }, clock))).toMatchObject({
      type: 'PreconditionFailedException',
      status: 412,
    });
    expect(errorOf(() => publishVersion(fn, { codeSha256: 'sha-x' }, clock)).status).toBe(412);
    expect(publishVersion(fn, { revisionId: 'rev-0', codeSha256: 'sha-1' }, clock).config.version).toBe('1');
    expect(fn.versions).toHaveLength(1);
  });

  it('conflicts (409) while a configuration update is in progress, then succeeds', () => {
    updateConfiguration(fn, { timeoutSeconds: 9 }, clock, 500);
    expect(errorOf(() => publishVersion(fn, {}, clock))).toMatchObject({
      type: 'ResourceConflictException',
      status: 409,
    });
    expect(errorOf(() => updateConfiguration(fn, { timeoutSeconds: 8 }, clock, 500)).status).toBe(409);
    clock.t += 500;
    expect(publishVersion(fn, {}, clock).config.timeoutSeconds).toBe(9);
  });
});

describe('updateConfiguration', () => {
  it('keeps invocations on the previous $LATEST until the update completes', () => {
    const fn = newFunction();
    expect(runnableLatest(fn, clock).environment).toEqual({ AA: '1' });
    updateConfiguration(fn, { environment: { AA: '2' } }, clock, 300);
    expect(runnableLatest(fn, clock).environment).toEqual({ AA: '1' });
    clock.t += 300;
    expect(runnableLatest(fn, clock).environment).toEqual({ AA: '2' });
  });

  it('changes the RevisionId and checks the one given', () => {
    const fn = newFunction();
    const c = updateConfiguration(fn, { environment: { BB: 'x' }, revisionId: 'rev-0' }, clock, 0);
    expect(c.revisionId).not.toBe('rev-0');
    expect(errorOf(() => updateConfiguration(fn, { revisionId: 'rev-0' }, clock, 0)).status).toBe(412);
  });

  it('rejects reserved environment variables and out-of-range limits with 400', () => {
    const fn = newFunction();
    expect(
      errorOf(() => updateConfiguration(fn, { environment: { AWS_REGION: 'x' } }, clock, 0)).status,
    ).toBe(400);
    expect(errorOf(() => updateConfiguration(fn, { timeoutSeconds: 901 }, clock, 0)).status).toBe(400);
    expect(errorOf(() => updateConfiguration(fn, { memoryMb: 64 }, clock, 0)).status).toBe(400);
    expect(fn.latest.revisionId).toBe('rev-0');
  });
});

describe('aliases', () => {
  let fn: FunctionRecord;
  beforeEach(() => {
    fn = newFunction();
    publishVersion(fn, {}, clock);
    fn.latest = { ...fn.latest, codeSha256: 'sha-2' };
    publishVersion(fn, {}, clock);
  });

  it('creates, shifts weight with a RevisionId precondition, and resolves', () => {
    const live = createAlias(fn, { name: 'live', functionVersion: '1' });
    expect(errorOf(() => createAlias(fn, { name: 'live', functionVersion: '1' })).status).toBe(409);
    expect(
      errorOf(() => updateAlias(fn, 'live', { weights: { '2': 0.1 }, revisionId: 'stale' })).status,
    ).toBe(412);
    const shifted = updateAlias(fn, 'live', { weights: { '2': 0.1 }, revisionId: live.revisionId });
    expect(shifted.weights).toEqual({ '2': 0.1 });
    expect(updateAlias(fn, 'live', { description: 'd' }).weights).toEqual({ '2': 0.1 });
    const promoted = updateAlias(fn, 'live', { functionVersion: '2', weights: {} });
    expect(promoted).toMatchObject({ functionVersion: '2', weights: {} });
    expect(resolveQualifier(fn, 'live')).toMatchObject({ kind: 'alias', alias: { functionVersion: '2' } });
    expect(resolveQualifier(fn, '1')).toMatchObject({ kind: 'version', config: { version: '1' } });
    expect(resolveQualifier(fn, undefined)).toMatchObject({
      kind: 'version',
      config: { version: '$LATEST' },
    });
  });

  it('rejects unknown versions (404), bad names and bad routing (400)', () => {
    expect(errorOf(() => createAlias(fn, { name: 'live', functionVersion: '7' })).status).toBe(404);
    expect(
      errorOf(() => createAlias(fn, { name: 'live', functionVersion: '1', weights: { '7': 0.1 } })).status,
    ).toBe(404);
    expect(errorOf(() => createAlias(fn, { name: '12', functionVersion: '1' })).status).toBe(400);
    expect(
      errorOf(() => createAlias(fn, { name: 'live', functionVersion: '1', weights: { '1': 0.1 } })).status,
    ).toBe(400);
    expect(errorOf(() => resolveQualifier(fn, 'missing')).status).toBe(404);
    createAlias(fn, { name: 'live', functionVersion: '1' });
    deleteAlias(fn, 'live');
    expect(errorOf(() => deleteAlias(fn, 'live')).status).toBe(404);
  });
});
