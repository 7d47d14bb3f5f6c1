import { Logger } from '@aws-lambda-powertools/logger';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createFeedbackHandler } from '../../functions/feedback/app.js';
import { parseFeedback } from '../../functions/feedback/request.js';
import { ACTUATOR_RANGES, TARGETS } from '../../functions/shared/contract.js';
import { recommendationKey, sign } from '../../functions/shared/recommendation-token.js';
import { apiEvent } from '../support/recommend-fakes.js';

const KEY = recommendationKey('feedback-test-key-of-at-least-32-bytes');
const NOW_S = 1_760_000_000;
const ID = sign(
  {
    functionVersion: '3',
    modelSha256Prefix: 'ab'.repeat(8),
    values: [120, 30, 110, 50, 50, 0, 0],
    issuedAt: NOW_S - 10,
  },
  KEY,
);

interface ErrorBody {
  status: 'error';
  error: { code: string; message: string; details?: { fields: { field: string; code: string }[] } };
}

function handler(lines: string[] = []) {
  return createFeedbackHandler({
    keys: [KEY],
    maxAgeSeconds: 3600,
    logger: new Logger({ logLevel: 'SILENT' }),
    write: (l) => lines.push(l),
    now: () => NOW_S * 1000,
  });
}

function post(body: unknown, h = handler()) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return h(apiEvent(text, { path: '/feedback', resource: '/feedback' }));
}

describe('the feedback body', () => {
  it('accepts the id and any non-empty subset of targets within their actuator ranges', () => {
    const final = { seat_position: 240, mirror_pan: -100 };
    expect(parseFeedback({ recommendation_id: ID, final })).toEqual({
      ok: true,
      value: { recommendation_id: ID, final },
    });
  });

  const cases: [string, unknown, string, string][] = [
    ['not an object', [1], '(body)', 'invalid_body'],
    ['null', null, '(body)', 'invalid_body'],
    ['missing id', { final: { seat_height: 1 } }, 'recommendation_id', 'missing_field'],
    [
      'id not a string',
      { recommendation_id: 5, final: { seat_height: 1 } },
      'recommendation_id',
      'invalid_type',
    ],
    ['empty id', { recommendation_id: '', final: { seat_height: 1 } }, 'recommendation_id', 'out_of_range'],
    [
      'huge id',
      { recommendation_id: 'a'.repeat(513), final: { seat_height: 1 } },
      'recommendation_id',
      'out_of_range',
    ],
    ['missing final', { recommendation_id: ID }, 'final', 'missing_field'],
    ['final not an object', { recommendation_id: ID, final: [1] }, 'final', 'invalid_type'],
    ['empty final', { recommendation_id: ID, final: {} }, 'final', 'missing_field'],
    ['extra field', { recommendation_id: ID, final: { seat_height: 1 }, user: 'x' }, 'user', 'unknown_field'],
    [
      'unknown target',
      { recommendation_id: ID, final: { seat_hight: 1 } },
      'final.seat_hight',
      'unknown_target',
    ],
    [
      'value a string',
      { recommendation_id: ID, final: { seat_angle: '110' } },
      'final.seat_angle',
      'invalid_type',
    ],
    [
      'value null',
      { recommendation_id: ID, final: { seat_angle: null } },
      'final.seat_angle',
      'invalid_type',
    ],
    [
      'below range',
      { recommendation_id: ID, final: { seat_angle: 106.9 } },
      'final.seat_angle',
      'out_of_range',
    ],
    [
      'above range',
      { recommendation_id: ID, final: { mirror_tilt: 100.5 } },
      'final.mirror_tilt',
      'out_of_range',
    ],
    [
      'infinite',
      { recommendation_id: ID, final: { mirror_tilt: Number.POSITIVE_INFINITY } },
      'final.mirror_tilt',
      'not_finite',
    ],
  ];
  for (const [name, body, field, code] of cases) {
    it(`${name} → 400 naming ${field}`, () => {
      const parsed = parseFeedback(body);
      expect(parsed.ok).toBe(false);
      if (parsed.ok) return;
      expect(parsed.error.status).toBe(400);
      expect(parsed.error.details.fields).toContainEqual(expect.objectContaining({ field, code }));
      expect(parsed.error.message).toContain(field === '(body)' ? 'body' : field);
    });
  }

  it('names the range and unit of an out-of-range target', () => {
    const parsed = parseFeedback({ recommendation_id: ID, final: { seat_height: 61 } });
    expect(parsed.ok || parsed.error.message).toBe(
      "final.seat_height must be between 0 and 60 mm (the actuator's range)",
    );
  });
});

describe('POST /feedback (handler)', () => {
  it('202 for a valid feedback, and one EMF line written', async () => {
    const lines: string[] = [];
    const res = await post({ recommendation_id: ID, final: { seat_height: 35 } }, handler(lines));
    expect(res.statusCode).toBe(202);
    expect(JSON.parse(res.body)).toEqual({ status: 'accepted' });
    expect(lines).toHaveLength(1);
  });

  const refusals: [string, unknown, number, string][] = [
    ['malformed JSON', '{"recommendation_id":', 400, 'invalid_json'],
    ['an empty body', '', 400, 'invalid_body'],
    ['a body over 16 KB', `{"recommendation_id":"${'a'.repeat(17_000)}"}`, 413, 'body_too_large'],
    [
      'a forged token',
      { recommendation_id: 'Zm9yZ2Vk', final: { seat_height: 1 } },
      400,
      'recommendation_id_malformed',
    ],
    [
      'a token signed with another key',
      {
        recommendation_id: sign(
          {
            functionVersion: '3',
            modelSha256Prefix: 'ab'.repeat(8),
            values: [0, 0, 110, 0, 0, 0, 0],
            issuedAt: NOW_S,
          },
          recommendationKey('x'.repeat(32)),
        ),
        final: { seat_height: 1 },
      },
      400,
      'recommendation_id_unknown_key',
    ],
    [
      'an altered token',
      {
        recommendation_id: `${ID.slice(0, 20)}${ID[20] === 'A' ? 'B' : 'A'}${ID.slice(21)}`,
        final: { seat_height: 1 },
      },
      400,
      'recommendation_id_bad_signature',
    ],
    [
      'a token older than the maximum age',
      {
        recommendation_id: sign(
          {
            functionVersion: '3',
            modelSha256Prefix: 'ab'.repeat(8),
            values: [0, 0, 110, 0, 0, 0, 0],
            issuedAt: NOW_S - 3601,
          },
          KEY,
        ),
        final: { seat_height: 1 },
      },
      410,
      'recommendation_id_expired',
    ],
  ];
  for (const [name, body, status, code] of refusals) {
    it(`${name} → ${status} ${code}, nothing written`, async () => {
      const lines: string[] = [];
      const res = await post(body, handler(lines));
      expect(res.statusCode, res.body).toBe(status);
      expect((JSON.parse(res.body) as ErrorBody).error.code).toBe(code);
      expect(lines).toEqual([]);
    });
  }

  it('token refusals name recommendation_id', async () => {
    const res = await post({ recommendation_id: 'Zm9yZ2Vk', final: { seat_height: 1 } });
    const body = JSON.parse(res.body) as ErrorBody;
    expect(body.error.details?.fields[0]?.field).toBe('recommendation_id');
  });

  it('GET → 405, another path → 404', async () => {
    const h = handler();
    expect((await h(apiEvent('{}', { path: '/feedback', httpMethod: 'GET' }))).statusCode).toBe(405);
    expect((await h(apiEvent('{}', { path: '/recommend' }))).statusCode).toBe(404);
  });
});

describe('properties', () => {
  it('any string body → 202 or a 4xx, never a throw or a 5xx', async () => {
    const h = handler();
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 300 }), async (body) => {
        const res = await post(body, h);
        expect(res.statusCode === 202 || (res.statusCode >= 400 && res.statusCode < 500)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('any JSON value as body → 202 or a 4xx that names a field', async () => {
    const h = handler();
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 3 }), async (value) => {
        const res = await post(JSON.stringify(value), h);
        if (res.statusCode === 202) return;
        expect(res.statusCode).toBeGreaterThanOrEqual(400);
        expect(res.statusCode).toBeLessThan(500);
      }),
      { numRuns: 300 },
    );
  });

  it('near-valid bodies: any subset of targets with any numbers → 202 exactly when all are in range', async () => {
    const h = handler();
    const target = fc.constantFrom(...TARGETS);
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(
          target,
          fc.oneof(fc.double({ noNaN: true, min: -500, max: 500 }), fc.integer({ min: -300, max: 300 })),
        ),
        async (final) => {
          const res = await post({ recommendation_id: ID, final }, h);
          const valid =
            Object.keys(final).length > 0 &&
            Object.entries(final).every(
              ([t, v]) =>
                v >= ACTUATOR_RANGES[t as keyof typeof ACTUATOR_RANGES].min &&
                v <= ACTUATOR_RANGES[t as keyof typeof ACTUATOR_RANGES].max,
            );
          expect(res.statusCode, res.body).toBe(valid ? 202 : 400);
        },
      ),
      { numRuns: 500 },
    );
  });
});
