import { describe, expect, it } from 'vitest';
import {
  createSigner,
  InvalidClaimsError,
  recommendationKey,
  sign,
  verify,
} from '../../functions/shared/recommendation-token.js';

/** The recommend function's per-model signer: the same tokens as `sign`, verified by the feedback function's `verify`. */

const KEY = recommendationKey('k'.repeat(40));
const NOW = 1_795_000_000;

describe('createSigner', () => {
  it('produces exactly the tokens of sign() for any values, times, versions and keys', () => {
    const keys = [
      KEY,
      recommendationKey('x'.repeat(32)),
      recommendationKey('long key '.repeat(10)), // > 64 bytes: hashed first, as HMAC does
      recommendationKey(new Uint8Array(64).fill(0xa5)),
    ];
    const versions = ['1', '42', '$LATEST', 'v'.repeat(32)];
    let seed = 7;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (const key of keys) {
      for (const functionVersion of versions) {
        const modelSha256Prefix = Math.floor(rnd() * 2 ** 32)
          .toString(16)
          .padStart(8, '0')
          .repeat(2);
        const signer = createSigner(key, functionVersion, modelSha256Prefix);
        for (let i = 0; i < 25; i++) {
          const values = Array.from({ length: 7 }, () => Math.round((rnd() * 600 - 200) * 1000) / 1000);
          const issuedAt = NOW + Math.floor(rnd() * 1000);
          const token = signer(values, issuedAt);
          expect(token).toBe(sign({ functionVersion, modelSha256Prefix, values, issuedAt }, key));
          expect(verify(token, [key], { now: issuedAt, maxAgeSeconds: 60 })).toEqual({
            functionVersion,
            modelSha256Prefix,
            values,
            issuedAt,
          });
        }
      }
    }
  });

  it('refuses what sign() refuses', () => {
    expect(() => createSigner(KEY, '', '0123456789abcdef')).toThrow(InvalidClaimsError);
    expect(() => createSigner(KEY, 'ü', '0123456789abcdef')).toThrow(InvalidClaimsError);
    expect(() => createSigner(KEY, '1', 'ABCDEF0123456789')).toThrow(InvalidClaimsError);
    const signer = createSigner(KEY, '1', '0123456789abcdef');
    expect(() => signer([1, 2, 3], NOW)).toThrow(InvalidClaimsError);
    expect(() => signer([Number.NaN, 0, 0, 0, 0, 0, 0], NOW)).toThrow(InvalidClaimsError);
    expect(() => signer([3e6, 0, 0, 0, 0, 0, 0], NOW)).toThrow(InvalidClaimsError);
    expect(() => signer([0, 0, 0, 0, 0, 0, 0], 1.5)).toThrow(InvalidClaimsError);
    // A refused call leaves the signer usable.
    const values = [1, 2, 3, 4, 5, 6, 7];
    expect(signer(values, NOW)).toBe(
      sign({ functionVersion: '1', modelSha256Prefix: '0123456789abcdef', values, issuedAt: NOW }, KEY),
    );
  });
});
