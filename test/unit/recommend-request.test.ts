import { describe, expect, it } from 'vitest';
import { FEATURES, PLAUSIBLE_INPUT_RANGES } from '../../functions/shared/contract.js';
import {
  decodeBody,
  featureRow,
  MAX_BODY_BYTES,
  type ProblemCode,
  parseRecommendRequest,
} from '../../functions/shared/request.js';
import { VALID_BODY } from '../support/recommend-fakes.js';

function problemOf(raw: string, isBase64 = false) {
  const decoded = decodeBody(raw, isBase64);
  if (!decoded.ok) return decoded.error;
  const parsed = parseRecommendRequest(decoded.value);
  return parsed.ok ? undefined : parsed.error;
}

const body = (patch: Record<string, unknown>) => JSON.stringify({ ...VALID_BODY, ...patch });
const without = (field: string) => {
  const { [field]: _dropped, ...rest } = VALID_BODY as Record<string, unknown>;
  return JSON.stringify(rest);
};

describe('request validation', () => {
  it('accepts the documented body, with and without user_id, and ignores unknown fields', () => {
    const parsed = parseRecommendRequest(VALID_BODY);
    expect(parsed).toEqual({ ok: true, value: VALID_BODY });
    expect(problemOf(without('user_id'))).toBeUndefined();
    expect(problemOf(body({ shoe_size: 44 }))).toBeUndefined();
  });

  it('accepts every range limit exactly', () => {
    for (const f of FEATURES) {
      expect(problemOf(body({ [f]: PLAUSIBLE_INPUT_RANGES[f].min }))).toBeUndefined();
      expect(problemOf(body({ [f]: PLAUSIBLE_INPUT_RANGES[f].max }))).toBeUndefined();
    }
  });

  const cases: Array<[string, string, number, ProblemCode, string | undefined]> = [
    ['empty body', '', 400, 'invalid_body', undefined],
    ['malformed JSON', '{"height": 175,', 400, 'invalid_json', undefined],
    ['JSON array', '[175, 32.5]', 400, 'invalid_body', undefined],
    ['JSON string', '"height"', 400, 'invalid_body', undefined],
    ['JSON null', 'null', 400, 'invalid_body', undefined],
    ['JSON number', '42', 400, 'invalid_body', undefined],
    ['missing height', without('height'), 400, 'missing_field', 'height'],
    ['missing torso', without('torso'), 400, 'missing_field', 'torso'],
    ['height as string', body({ height: '175' }), 400, 'invalid_type', 'height'],
    ['forearm null', body({ forearm: null }), 400, 'invalid_type', 'forearm'],
    ['thigh as array', body({ thigh: [45] }), 400, 'invalid_type', 'thigh'],
    ['calf as bool', body({ calf: true }), 400, 'invalid_type', 'calf'],
    ['user_id as number', body({ user_id: 7 }), 400, 'invalid_type', 'user_id'],
    ['user_id too long', body({ user_id: 'x'.repeat(257) }), 400, 'out_of_range', 'user_id'],
    [
      'height overflowing to Infinity',
      body({ height: 1 }).replace('"height":1', '"height":1e999'),
      400,
      'not_finite',
      'height',
    ],
    ['height below range', body({ height: 129.9 }), 400, 'out_of_range', 'height'],
    ['height above range', body({ height: 250 }), 400, 'out_of_range', 'height'],
    ['negative upper_arm', body({ upper_arm: -3 }), 400, 'out_of_range', 'upper_arm'],
    ['torso in mm', body({ torso: 615 }), 400, 'out_of_range', 'torso'],
  ];
  it.each(cases)('rejects %s', (_name, raw, status, code, field) => {
    const problem = problemOf(raw);
    expect(problem?.status).toBe(status);
    expect(problem?.code).toBe(code);
    if (field) {
      expect(problem?.message).toContain(field);
      expect(problem?.details).toMatchObject({ fields: [{ field, code }] });
    }
  });

  it('reports every offending field, not just the first', () => {
    const problem = problemOf(JSON.stringify({ height: 'tall', upper_arm: 99 }));
    const fields = (
      (problem as { details: unknown }).details as { fields: Array<{ field: string }> }
    ).fields.map((f) => f.field);
    expect(fields).toEqual(
      expect.arrayContaining(['height', 'upper_arm', 'forearm', 'thigh', 'calf', 'torso']),
    );
  });

  it('refuses bodies over 16 KB with 413 before parsing them, counting UTF-8 bytes', () => {
    const padded = body({ user_id: 'u', pad: 'x'.repeat(MAX_BODY_BYTES) });
    expect(problemOf(padded)).toMatchObject({ status: 413, code: 'body_too_large' });
    // 6000 three-byte characters: 6000 UTF-16 units but 18000 bytes.
    expect(problemOf(body({ pad: '€'.repeat(6000) }))).toMatchObject({ status: 413 });
    expect(problemOf(body({ pad: 'x'.repeat(MAX_BODY_BYTES - 300) }))).toBeUndefined();
  });

  it('decodes base64 bodies (binary media types) the same way', () => {
    expect(problemOf(Buffer.from(body({})).toString('base64'), true)).toBeUndefined();
    expect(problemOf(Buffer.from('{"height":').toString('base64'), true)).toMatchObject({
      code: 'invalid_json',
    });
  });

  it('featureRow returns the measurements in canonical FEATURES order', () => {
    const parsed = parseRecommendRequest(VALID_BODY);
    if (!parsed.ok) throw new Error('valid body rejected');
    expect(featureRow(parsed.value)).toEqual(FEATURES.map((f) => VALID_BODY[f]));
  });
});
