import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FEATURES, type Feature, PLAUSIBLE_INPUT_RANGES } from '../../functions/shared/contract.js';
import {
  decodeBody,
  featureRow,
  MAX_BODY_BYTES,
  type Parsed,
  parseRecommendRequest,
  type RecommendRequest,
} from '../../functions/shared/request.js';

/**
 * Property tests of the POST /recommend parser (functions/shared/request.ts): whatever arrives, the
 * answer is a request the model may be given (every measurement finite and within
 * PLAUSIBLE_INPUT_RANGES) or a 4xx that names its field — never a throw, which the handler would
 * turn into a 5xx. Each property states its own number of runs; together 11 000 generated cases.
 * It found that -Infinity was refused as "must be a number, got number" (invalid_type) instead of
 * not_finite; request.ts now judges finiteness from the value.
 */

const VALID: Record<Feature, number> = {
  height: 175,
  upper_arm: 32.5,
  forearm: 26.8,
  thigh: 45.2,
  calf: 38.9,
  torso: 61.5,
};
const FIELD_CODES = new Set(['missing_field', 'invalid_type', 'not_finite', 'out_of_range']);

/** The parser's contract, checked on one outcome. */
function expectServableOrNamed4xx(parsed: Parsed<RecommendRequest>): void {
  if (parsed.ok) {
    featureRow(parsed.value).forEach((v, i) => {
      const { min, max } = PLAUSIBLE_INPUT_RANGES[FEATURES[i] as Feature];
      expect(Number.isFinite(v) && v >= min && v <= max).toBe(true);
    });
    return;
  }
  const { error } = parsed;
  expect([400, 413]).toContain(error.status);
  expect(error.message.length).toBeGreaterThan(0);
  if (FIELD_CODES.has(error.code)) {
    const fields = (error.details as { fields: Array<{ field: string; code: string }> }).fields;
    expect(fields.length).toBeGreaterThan(0);
    for (const f of fields) {
      expect(f.field).toMatch(/\S/);
      expect(FIELD_CODES.has(f.code)).toBe(true);
    }
    expect(fields[0]?.code).toBe(error.code);
  }
}

/** decodeBody then parseRecommendRequest, as the handler does. */
function parseRaw(raw: string, base64 = false): Parsed<RecommendRequest> {
  const decoded = decodeBody(raw, base64);
  return decoded.ok ? parseRecommendRequest(decoded.value) : decoded;
}

const fieldOf = (parsed: Parsed<RecommendRequest>) =>
  parsed.ok
    ? undefined
    : (parsed.error.details as { fields?: Array<{ field: string; code: string }> })?.fields?.[0];

describe('request parser properties', () => {
  it('any string body: a request or a 4xx, never a throw (3000 cases)', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.json()),
        fc.boolean(),
        (raw, b64) => {
          expectServableOrNamed4xx(parseRaw(raw, b64));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('any JSON value: a request or a 4xx with a named field, never a throw (3000 cases)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expectServableOrNamed4xx(parseRecommendRequest(value));
        expectServableOrNamed4xx(parseRaw(JSON.stringify(value) ?? 'null'));
      }),
      { numRuns: 3000 },
    );
  });

  it('a valid body with any one field replaced by any JSON value, or removed: the 4xx names that field (2000 cases)', () => {
    const replaced = fc.record({
      field: fc.constantFrom(...FEATURES, 'user_id'),
      value: fc.option(fc.jsonValue(), { nil: undefined }),
      extra: fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }),
    });
    fc.assert(
      fc.property(replaced, ({ field, value, extra }) => {
        const body: Record<string, unknown> = { ...extra, ...VALID };
        if (value === undefined) delete body[field];
        else body[field] = value;
        const parsed = parseRecommendRequest(body);
        expectServableOrNamed4xx(parsed);
        if (!parsed.ok) expect(fieldOf(parsed)?.field).toBe(field);
      }),
      { numRuns: 2000 },
    );
  });

  it('every measurement: accepted from its minimum to its maximum, refused beyond, naming the field (3000 cases)', () => {
    const edge = fc.constantFrom(...FEATURES).chain((field) => {
      const { min, max } = PLAUSIBLE_INPUT_RANGES[field];
      return fc.record({
        field: fc.constant(field),
        value: fc.oneof(
          fc.constantFrom(min, max, -0, 0, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE),
          fc.constantFrom(
            nextDown(min),
            nextUp(max),
            min - 1e-9,
            max + 1e-9,
            Number.POSITIVE_INFINITY,
            Number.NEGATIVE_INFINITY,
            Number.NaN,
          ),
          fc.double({ min, max, noNaN: true }),
          fc.double(),
        ),
      });
    });
    fc.assert(
      fc.property(edge, ({ field, value }) => {
        const { min, max } = PLAUSIBLE_INPUT_RANGES[field];
        const parsed = parseRecommendRequest({ ...VALID, [field]: value });
        expectServableOrNamed4xx(parsed);
        const inRange = Number.isFinite(value) && value >= min && value <= max;
        expect(parsed.ok).toBe(inRange);
        if (!inRange) {
          expect(fieldOf(parsed)).toEqual({
            field,
            code: Number.isFinite(value) ? 'out_of_range' : 'not_finite',
            message: expect.any(String),
          });
        }
        // Through JSON text, where Infinity/NaN become null (refused as a type, naming the field).
        const viaText = parseRaw(JSON.stringify({ ...VALID, [field]: value }));
        expect(viaText.ok).toBe(inRange);
        if (!inRange) expect(fieldOf(viaText)?.field).toBe(field);
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses bodies over the size limit with 413, and only those', () => {
    const atLimit = JSON.stringify({ ...VALID, user_id: 'u' }).padEnd(MAX_BODY_BYTES, ' ');
    expect(parseRaw(atLimit).ok).toBe(true);
    const over = parseRaw(`${atLimit} `);
    expect(over.ok ? undefined : over.error).toMatchObject({ status: 413, code: 'body_too_large' });
  });
});

function nextUp(x: number): number {
  const b = new Float64Array([x]);
  const u = new BigInt64Array(b.buffer);
  u[0] = (u[0] as bigint) + (x >= 0 ? 1n : -1n);
  return b[0] as number;
}

function nextDown(x: number): number {
  return -nextUp(-x);
}
