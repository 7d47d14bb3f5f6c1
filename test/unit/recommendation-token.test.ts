import { describe, expect, it } from 'vitest';
import { createRecommendHandler } from '../../functions/recommend/app.js';
import { loadConfig } from '../../functions/recommend/config.js';
import { createLogger } from '../../functions/recommend/telemetry.js';
import { TARGETS } from '../../functions/shared/contract.js';
import type { LoadedModel } from '../../functions/shared/inference.js';
import {
  BadSignatureError,
  ExpiredTokenError,
  InvalidClaimsError,
  MalformedTokenError,
  NotYetValidTokenError,
  type RecommendationClaims,
  recommendationKey,
  sign,
  UnknownKeyError,
  verify,
  WeakKeyError,
} from '../../functions/shared/recommendation-token.js';
import { apiEvent, VALID_BODY } from '../support/recommend-fakes.js';

const KEY = recommendationKey('k'.repeat(32));
const PREVIOUS = recommendationKey('p'.repeat(40));
const NOW = 1_760_000_000;
const CLAIMS: RecommendationClaims = {
  functionVersion: '12',
  modelSha256Prefix: '0123456789abcdef',
  values: [512.123, 22, 112.5, 48.001, -0.5, -12.345, 99.999],
  issuedAt: NOW - 60,
};
const OPTS = { now: NOW, maxAgeSeconds: 7 * 86_400 };

/** The token with one base64url character replaced by another. */
function alterChar(token: string, i: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const c = token[i] as string;
  const next = alphabet[(alphabet.indexOf(c) + 1) % alphabet.length] as string;
  return token.slice(0, i) + next + token.slice(i + 1);
}

describe('recommendation token', () => {
  it('round-trips the claims; values come back exactly as answered (3 decimals)', () => {
    const token = sign(CLAIMS, KEY);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(verify(token, [KEY], OPTS)).toEqual({ ...CLAIMS, values: [...CLAIMS.values] });
  });

  it('stores what the response shows: a value is rounded to thousandths like the answer', () => {
    const raw = [1 / 3, 2 / 3, 107.00049, 0, 100, -100, 0.0005];
    const back = verify(sign({ ...CLAIMS, values: raw }, KEY), [KEY], OPTS).values;
    expect(back).toEqual(raw.map((v) => Math.round(v * 1000) / 1000));
  });

  it('carries $LATEST and long version numbers', () => {
    for (const functionVersion of ['$LATEST', '1', '4294967296']) {
      expect(verify(sign({ ...CLAIMS, functionVersion }, KEY), [KEY], OPTS).functionVersion).toBe(
        functionVersion,
      );
    }
  });

  it('altering any byte of the token is detected (never verifies, never throws anything else)', () => {
    const bytes = Buffer.from(sign(CLAIMS, KEY), 'base64url');
    for (let i = 0; i < bytes.length; i++) {
      for (const flip of [0x01, 0x80, 0xff]) {
        const altered = Buffer.from(bytes);
        altered[i] = (altered[i] as number) ^ flip;
        const token = altered.toString('base64url');
        expect(() => verify(token, [KEY], OPTS), `byte ${i} ^ ${flip}`).toThrow(
          /recommendation_id|signature|key this service/,
        );
      }
    }
  });

  it('altering any character is detected, including the unused bits of the last one', () => {
    const token = sign(CLAIMS, KEY);
    for (let i = 0; i < token.length; i++) {
      expect(() => verify(alterChar(token, i), [KEY], OPTS), `char ${i}`).toThrow(
        /recommendation_id|signature|key this service/,
      );
    }
  });

  it('a changed claim re-signed with another key does not verify: forged', () => {
    const forger = recommendationKey('f'.repeat(32));
    const forged = Buffer.from(sign({ ...CLAIMS, functionVersion: '13' }, forger), 'base64url');
    // The forger even copies the real key id, so the verifier picks the real key.
    Buffer.from(sign(CLAIMS, KEY), 'base64url').copy(forged, 1, 1, 5);
    expect(() => verify(forged.toString('base64url'), [KEY], OPTS)).toThrow(BadSignatureError);
  });

  it('each field is covered by the signature', () => {
    const real = Buffer.from(sign(CLAIMS, KEY), 'base64url');
    const variants: Partial<RecommendationClaims>[] = [
      { functionVersion: '13' },
      { modelSha256Prefix: '0123456789abcdee' },
      { values: [...CLAIMS.values.slice(0, 6), 99.998] },
      { issuedAt: CLAIMS.issuedAt + 1 },
    ];
    for (const v of variants) {
      const other = Buffer.from(sign({ ...CLAIMS, ...v }, KEY), 'base64url');
      // The claims of `v` with the real token's tag.
      real.copy(other, other.length - 16, real.length - 16);
      expect(() => verify(other.toString('base64url'), [KEY], OPTS), JSON.stringify(v)).toThrow(
        BadSignatureError,
      );
    }
  });

  it('a key the verifier does not hold: unknown_key', () => {
    const token = sign(CLAIMS, recommendationKey('x'.repeat(32)));
    expect(() => verify(token, [KEY, PREVIOUS], OPTS)).toThrow(UnknownKeyError);
  });

  it('key rotation: tokens of the current and the previous key verify, each with its own key', () => {
    const old = sign(CLAIMS, PREVIOUS);
    const fresh = sign(CLAIMS, KEY);
    expect(verify(old, [KEY, PREVIOUS], OPTS).functionVersion).toBe('12');
    expect(verify(fresh, [KEY, PREVIOUS], OPTS).functionVersion).toBe('12');
    expect(() => verify(old, [KEY], OPTS)).toThrow(UnknownKeyError);
  });

  it('expiry: exactly maxAge old verifies, one second more does not', () => {
    const token = sign({ ...CLAIMS, issuedAt: NOW - 100 }, KEY);
    expect(verify(token, [KEY], { now: NOW, maxAgeSeconds: 100 }).issuedAt).toBe(NOW - 100);
    const err = (() => {
      try {
        verify(token, [KEY], { now: NOW + 1, maxAgeSeconds: 100 });
      } catch (e) {
        return e as ExpiredTokenError;
      }
    })();
    expect(err).toBeInstanceOf(ExpiredTokenError);
    expect(err?.code).toBe('expired');
  });

  it('an issue time beyond the clock skew is refused', () => {
    const token = sign({ ...CLAIMS, issuedAt: NOW + 301 }, KEY);
    expect(() => verify(token, [KEY], OPTS)).toThrow(NotYetValidTokenError);
    expect(verify(sign({ ...CLAIMS, issuedAt: NOW + 300 }, KEY), [KEY], OPTS).issuedAt).toBe(NOW + 300);
  });

  it('malformed: empty, too short, too long, not base64url, another format', () => {
    const token = sign(CLAIMS, KEY);
    const other = Buffer.from(token, 'base64url');
    other[0] = 2;
    for (const bad of [
      '',
      'abc',
      token.slice(0, 40),
      `${token}AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`,
      `${token.slice(1)}=`,
      token.replace(/.$/, '.'),
      other.toString('base64url'),
    ]) {
      expect(() => verify(bad, [KEY], OPTS), bad).toThrow(MalformedTokenError);
    }
  });

  it('the signer refuses claims it cannot encode', () => {
    const bad: Partial<RecommendationClaims>[] = [
      { functionVersion: '' },
      { functionVersion: 'x'.repeat(33) },
      { functionVersion: 'ü' },
      { modelSha256Prefix: 'ABCDEF0123456789' },
      { modelSha256Prefix: '0123' },
      { values: [1, 2, 3] },
      { values: [Number.NaN, 0, 0, 0, 0, 0, 0] },
      { values: [3e6, 0, 0, 0, 0, 0, 0] },
      { issuedAt: 1.5 },
    ];
    for (const b of bad)
      expect(() => sign({ ...CLAIMS, ...b }, KEY), JSON.stringify(b)).toThrow(InvalidClaimsError);
  });

  it('keys shorter than 32 bytes are refused', () => {
    expect(() => recommendationKey('short')).toThrow(WeakKeyError);
  });

  it('keeps the token short: under 100 characters for a 2-digit version', () => {
    expect(sign(CLAIMS, KEY).length).toBeLessThan(100);
    expect(TARGETS).toHaveLength(CLAIMS.values.length);
  });
});

describe('POST /recommend answers carry a recommendation_id', () => {
  const SHA = 'ab'.repeat(32);
  const predicted = [512.1234, 70, 112.5, 48, 50, -12.3456, 9.9994];

  function handler(signingKey?: ReturnType<typeof recommendationKey>) {
    const config = loadConfig({
      MODEL_BUCKET: 'b',
      MODEL_KEY: 'k',
      MODEL_SHA256: SHA,
      AWS_LAMBDA_FUNCTION_VERSION: '7',
    });
    const model = { predictOne: async () => [...predicted] } as unknown as LoadedModel;
    const served = { model, key: 'k', sha256: SHA, degraded: false };
    return createRecommendHandler({
      config,
      provider: { get: async () => served, current: () => served },
      logger: createLogger('7'),
      metrics: { publish: () => {}, flush: () => {} },
      now: () => NOW * 1000,
      ...(signingKey ? { signingKey } : {}),
    });
  }

  it('signs the serving version, the model prefix, the answered (clamped, rounded) values and the time', async () => {
    const res = await handler(KEY)(apiEvent(VALID_BODY));
    const body = JSON.parse(res.body) as { data: Record<string, number>; recommendation_id: string };
    const claims = verify(body.recommendation_id, [KEY], OPTS);
    expect(claims).toEqual({
      functionVersion: '7',
      modelSha256Prefix: SHA.slice(0, 16),
      values: TARGETS.map((t) => body.data[t]),
      issuedAt: NOW,
    });
    // seat_height 70 is beyond its actuator range: the token holds the clamped 60 the driver saw.
    expect(claims.values[1]).toBe(60);
  });

  it('without a key there is no id (an environment without RECOMMENDATION_KEY_SECRET)', async () => {
    const body = JSON.parse((await handler()(apiEvent(VALID_BODY))).body) as Record<string, unknown>;
    expect(body.status).toBe('success');
    expect(body.recommendation_id).toBeUndefined();
  });
});
