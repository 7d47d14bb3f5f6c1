import { describe, expect, it } from 'vitest';
import { effectiveQualifier, parseFunctionName } from '../../local-cloud/lambda/arn.js';
import { LambdaApiError } from '../../local-cloud/lambda/errors.js';
import { pickVersion, validateRouting } from '../../local-cloud/lambda/routing.js';

function errorOf(fn: () => unknown): LambdaApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof LambdaApiError) return err;
    throw err;
  }
  throw new Error('expected a LambdaApiError');
}

describe('validateRouting', () => {
  it('accepts no routing and one other published version with a weight in [0, 1]', () => {
    expect(() => validateRouting('1', {})).not.toThrow();
    expect(() => validateRouting('$LATEST', {})).not.toThrow();
    expect(() => validateRouting('1', { '2': 0 })).not.toThrow();
    expect(() => validateRouting('1', { '2': 1 })).not.toThrow();
    expect(() => validateRouting('3', { '2': 0.25 })).not.toThrow();
  });

  it.each([
    ['two additional versions', '1', { '2': 0.1, '3': 0.1 }],
    ['$LATEST as additional version', '1', { $LATEST: 0.1 }],
    ['$LATEST as primary with routing', '$LATEST', { '2': 0.1 }],
    ['the primary itself', '2', { '2': 0.1 }],
    ['an alias name', '1', { live: 0.1 }],
    ['weight above 1', '1', { '2': 1.01 }],
    ['negative weight', '1', { '2': -0.01 }],
    ['NaN weight', '1', { '2': Number.NaN }],
  ])('rejects %s with InvalidParameterValueException (400)', (_, primary, weights) => {
    const err = errorOf(() => validateRouting(primary, weights));
    expect(err.type).toBe('InvalidParameterValueException');
    expect(err.status).toBe(400);
  });
});

describe('pickVersion', () => {
  it('sends a call to the additional version when the draw is below its weight', () => {
    expect(pickVersion('1', { '2': 0.2 }, 0)).toBe('2');
    expect(pickVersion('1', { '2': 0.2 }, 0.1999)).toBe('2');
    expect(pickVersion('1', { '2': 0.2 }, 0.2)).toBe('1');
    expect(pickVersion('1', { '2': 0.2 }, 0.9999)).toBe('1');
  });

  it('never routes to a version with weight 0 and always to one with weight 1', () => {
    for (const r of [0, 0.5, 0.999999]) {
      expect(pickVersion('1', { '2': 0 }, r)).toBe('1');
      expect(pickVersion('1', { '2': 1 }, r)).toBe('2');
      expect(pickVersion('1', {}, r)).toBe('1');
    }
  });

  it('splits uniformly drawn traffic in proportion to the weight', () => {
    let additional = 0;
    const n = 10_000;
    for (let i = 0; i < n; i++) if (pickVersion('1', { '2': 0.3 }, (i + 0.5) / n) === '2') additional++;
    expect(additional).toBe(3000);
  });
});

describe('function names', () => {
  it('parses names, qualified names and ARNs', () => {
    expect(parseFunctionName('fn')).toEqual({ name: 'fn', qualifier: undefined });
    expect(parseFunctionName('fn:live')).toEqual({ name: 'fn', qualifier: 'live' });
    expect(parseFunctionName('arn:aws:lambda:us-east-1:123456789012:function:fn')).toEqual({
      name: 'fn',
      qualifier: undefined,
    });
    expect(parseFunctionName('arn:aws:lambda:us-east-1:123456789012:function:fn:$LATEST')).toEqual({
      name: 'fn',
      qualifier: '$LATEST',
    });
    expect(parseFunctionName('123456789012:function:fn:3')).toEqual({ name: 'fn', qualifier: '3' });
    expect(errorOf(() => parseFunctionName('bad name!')).status).toBe(400);
  });

  it('requires the qualifier in the name and the Qualifier parameter to agree', () => {
    expect(effectiveQualifier('live', undefined)).toBe('live');
    expect(effectiveQualifier(undefined, '2')).toBe('2');
    expect(effectiveQualifier('2', '2')).toBe('2');
    expect(errorOf(() => effectiveQualifier('live', '2')).type).toBe('InvalidParameterValueException');
  });
});
