import { describe, expect, it } from 'vitest';
import { validateEnvironment } from '../../local-cloud/lambda/environment-variables.js';
import { validateHandler } from '../../local-cloud/lambda/handler.js';
import { nameMap, stateSchema } from '../../local-cloud/lambda/model.js';
import { isAllowedHost, isLoopbackBinding } from '../../local-cloud/loopback-host.js';
import { isValidBucketName, keyToSegments, segmentsToKey } from '../../local-cloud/s3/key-path.js';

/** The pure parts of the local cloud's security controls (docs/local-cloud.md, "Security of the local cloud"). */
describe('Host guard (DNS rebinding)', () => {
  it('allows loopback names and addresses with any port', () => {
    for (const h of [
      'localhost',
      'localhost:4566',
      'hypermob-models.localhost:4566',
      'a.s3.localhost',
      '127.0.0.1:1',
      '127.9.8.7',
      '[::1]:3000',
      '[::1]',
    ]) {
      expect(isAllowedHost(h), h).toBe(true);
    }
  });
  it('refuses other names, look-alikes and a missing Host', () => {
    for (const h of [
      undefined,
      '',
      'evil.example',
      'localhost.evil.example',
      'evil-localhost',
      '127.0.0.1.nip.io',
      '128.0.0.1',
      '0.0.0.0:4566',
      '192.168.1.5',
      '[::2]',
      '[::ffff:7f00:1]x',
    ]) {
      expect(isAllowedHost(h), String(h)).toBe(false);
    }
  });
  it('allows the address the cloud was bound to, and only warns-free for loopback bindings', () => {
    expect(isAllowedHost('192.168.1.5:4566', '192.168.1.5')).toBe(true);
    expect(isAllowedHost('192.168.1.6:4566', '192.168.1.5')).toBe(false);
    expect(isLoopbackBinding('127.0.0.1')).toBe(true);
    expect(isLoopbackBinding('::1')).toBe(true);
    expect(isLoopbackBinding('0.0.0.0')).toBe(false);
    expect(isLoopbackBinding('::')).toBe(false);
  });
});

describe('S3 key → path segments', () => {
  const keys = [
    '../../x',
    'a/../../b',
    '%2e%2e/x',
    '..',
    './.',
    '.',
    'a//b',
    'a/',
    '/lead',
    'nul\0key',
    '%',
    '%25',
    '._S3rver_uploads/x',
    'plain/key.onnx',
  ];
  it('round-trips every key exactly', () => {
    for (const key of keys) expect(segmentsToKey(keyToSegments(key)), key).toBe(key);
  });
  it('never yields a segment that climbs, stays, is empty, starts with a dot or holds NUL', () => {
    for (const key of keys) {
      for (const seg of keyToSegments(key)) {
        expect(seg === '' || seg.startsWith('.') || seg.includes('\0'), `${key} → ${seg}`).toBe(false);
      }
    }
  });
  it('is injective on keys that differ only in what the store used to collapse', () => {
    const paths = ['a//b', 'a/b', 'a/%/b', 'a/./b'].map((k) => keyToSegments(k).join('/'));
    expect(new Set(paths).size).toBe(paths.length);
  });
  it('accepts only S3 bucket names', () => {
    expect(isValidBucketName('hypermob-models')).toBe(true);
    for (const b of ['..', '../..', 'a/b', 'ab', 'a..b', 'UPPER', '.abc'])
      expect(isValidBucketName(b), b).toBe(false);
  });
});

function errorOf(f: () => void): { type: string; status: number; message: string } {
  try {
    f();
  } catch (e) {
    return e as { type: string; status: number; message: string };
  }
  throw new Error('expected an error');
}

describe('Lambda environment variables', () => {
  it("refuses Lambda's reserved keys and the code-loading ones with Lambda's message", () => {
    for (const key of [
      'AWS_REGION',
      'AWS_LAMBDA_FUNCTION_NAME',
      'AWS_SESSION_TOKEN',
      'NODE_OPTIONS',
      'NODE_PATH',
      'LD_PRELOAD',
      'LD_LIBRARY_PATH',
      'OPENSSL_CONF',
    ]) {
      const e = errorOf(() => validateEnvironment({ OK_KEY: 'x', [key]: 'v' }));
      expect(e).toMatchObject({ type: 'InvalidParameterValueException', status: 400 });
      expect(e.message).toBe(
        `Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: ${key}`,
      );
    }
  });
  it("refuses keys outside Lambda's pattern, __proto__ included", () => {
    for (const key of ['__proto__', 'A', '1AB', 'A-B']) {
      expect(errorOf(() => validateEnvironment(nameMap([[key, 'v']]))).type, key).toBe('ValidationException');
    }
    expect(() =>
      validateEnvironment(
        nameMap([
          ['constructor', 'v'],
          ['MODEL_SHA256', 'x'],
          ['POWERTOOLS_SERVICE_NAME', 'y'],
        ]),
      ),
    ).not.toThrow();
  });
});

describe('Lambda Handler', () => {
  it("refuses what Lambda's API pattern refuses, and leaves `..` to the runtime (as Lambda does)", () => {
    expect(errorOf(() => validateHandler('index handler')).type).toBe('ValidationException');
    expect(errorOf(() => validateHandler(`${'a'.repeat(129)}.h`)).type).toBe('ValidationException');
    expect(() => validateHandler('../../x.handler')).not.toThrow();
  });
});

describe('name maps', () => {
  it('keeps __proto__ and constructor as ordinary keys through the stored state (a zod record drops __proto__)', () => {
    const config = {
      version: '$LATEST',
      handler: 'index.handler',
      environment: {},
      memoryMb: 128,
      timeoutSeconds: 3,
      description: '',
      codeSha256: 'x',
      codeSize: 1,
      codeDir: 'code/x',
      revisionId: 'r',
      lastModified: 'l',
    };
    const alias = (name: string) => ({
      name,
      functionVersion: '1',
      description: '',
      weights: {},
      revisionId: 'r',
    });
    const fn = (name: string) => ({
      name,
      latest: config,
      updateCompletesAt: 0,
      versions: [],
      nextVersion: 1,
      aliases: nameMap([
        ['__proto__', alias('__proto__')],
        ['constructor', alias('constructor')],
      ]),
    });
    const state = {
      formatVersion: 1,
      functions: nameMap([
        ['__proto__', fn('__proto__')],
        ['toString', fn('toString')],
      ]),
    };
    const parsed = stateSchema.parse(JSON.parse(JSON.stringify(state)));
    expect(Object.keys(parsed.functions)).toEqual(['__proto__', 'toString']);
    expect(Object.keys(Object.values(parsed.functions)[0]?.aliases ?? {})).toEqual([
      '__proto__',
      'constructor',
    ]);
    expect(Object.getPrototypeOf(parsed.functions)).toBeNull();
    expect(stateSchema.parse({ formatVersion: 1, functions: {} }).functions.hasOwnProperty).toBeUndefined();
  });
});
