import { describe, expect, it } from 'vitest';
import {
  createAlias,
  isPending,
  publishVersion,
  requireActive,
  updateAlias,
} from '../../local-cloud/lambda/control-plane.js';
import { LambdaApiError } from '../../local-cloud/lambda/errors.js';
import { type FunctionRecord, LATEST } from '../../local-cloud/lambda/model.js';

let now = 1_700_000_000_000;
const clock = { now: () => now };

function fn(): FunctionRecord {
  return {
    name: 'f',
    latest: {
      version: LATEST,
      handler: 'index.handler',
      environment: { A: '1' },
      memoryMb: 128,
      timeoutSeconds: 3,
      description: '',
      codeSha256: 'sha',
      codeSize: 1,
      codeDir: 'code/x',
      revisionId: 'r0',
      lastModified: 'x',
    },
    updateCompletesAt: 0,
    versions: [],
    nextVersion: 1,
    aliases: {},
  };
}

const errorOf = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(LambdaApiError);
    const e = err as LambdaApiError;
    return { type: e.type, status: e.status, message: e.message };
  }
  throw new Error('no error');
};

describe('published versions in the AWS-like timing mode', () => {
  it('are Pending for pendingMs, and invoking them meanwhile is a 409 ResourceConflictException', () => {
    const f = fn();
    const { config } = publishVersion(f, {}, clock, 500);
    expect(isPending(config, clock)).toBe(true);
    expect(errorOf(() => requireActive(config, clock))).toEqual({
      type: 'ResourceConflictException',
      status: 409,
      message:
        'The operation cannot be performed at this time. The function is currently in the following state: Pending',
    });
    now += 500;
    expect(isPending(config, clock)).toBe(false);
    expect(() => requireActive(config, clock)).not.toThrow();
  });

  it('are Active at once without a pending time (the default)', () => {
    const { config } = publishVersion(fn(), {}, clock);
    expect(config.activeAt).toBeUndefined();
    expect(isPending(config, clock)).toBe(false);
  });
});

describe('alias routing limits (AliasRoutingConfiguration)', () => {
  function withVersions() {
    const f = fn();
    for (const v of ['1', '2', '3']) {
      f.latest = { ...f.latest, environment: { V: v } };
      publishVersion(f, {}, clock);
    }
    return f;
  }

  it('takes weights 0 and 1 (the API range is [0.0, 1.0]) on one other published version', () => {
    const f = withVersions();
    createAlias(f, { name: 'live', functionVersion: '1', weights: { '2': 0 } });
    expect(updateAlias(f, 'live', { weights: { '2': 1 } }).weights).toEqual({ '2': 1 });
  });

  it.each([
    ['two additional versions', '1', { '2': 0.1, '3': 0.1 }],
    ['$LATEST as the additional version', '1', { [LATEST]: 0.1 }],
    ['the primary as the additional version', '1', { '1': 0.1 }],
    ['a weight above 1', '1', { '2': 1.5 }],
    ['a negative weight', '1', { '2': -0.1 }],
    ['a weighted alias on $LATEST', LATEST, { '2': 0.1 }],
    ['a version that does not exist', '1', { '9': 0.1 }],
  ])('refuses %s', (_, primary, weights) => {
    const f = withVersions();
    const err = errorOf(() => createAlias(f, { name: 'live', functionVersion: primary, weights }));
    expect(err.status).toBeGreaterThanOrEqual(400);
    expect(['InvalidParameterValueException', 'ResourceNotFoundException']).toContain(err.type);
  });
});
