import { createHash, createHmac, createSecretKey, hash, type KeyObject, timingSafeEqual } from 'node:crypto';
import { TARGETS } from './contract.js';

/**
 * The `recommendation_id` of a `POST /recommend` answer: an opaque, signed token that carries what
 * an A/B experiment needs to score the recommendation later (`POST /feedback`) — which function
 * version served it, which model, what it answered and when — so nothing is stored per request.
 *
 * Binary layout (then base64url, no padding), all integers big-endian:
 *   0      format (1)
 *   1..4   key id: first 4 bytes of SHA-256 over the key, so a verifier picks the key it was signed with
 *   5..8   issued at, epoch seconds (uint32)
 *   9..16  model sha256 prefix (8 bytes = 16 hex digits)
 *   17..44 the 7 TARGETS values in thousandths (int32 each)
 *   45     length L of the function version, then L ASCII bytes
 *   then   HMAC-SHA256 over everything before it, truncated to 16 bytes (128 bits: RFC 2104 §5's
 *          "not less than half the hash output", and a forger gets one online guess per request)
 * Values are stored in thousandths because the response rounds them to 3 decimals
 * (functions/recommend/responses.ts): the decoded value is then exactly the number the driver saw.
 *
 * Hot path: `createSigner` (the recommend function's, per served model) fixes the version and model
 * prefix once and then writes only the time and the values into a reused buffer; its HMAC is two
 * one-shot SHA-256 hashes over precomputed key pads (RFC 2104), digests returned as strings:
 * ~1 µs instead of ~3 µs for createHmac, a Buffer per step and the claims' checks per token. `sign` is the reference implementation: both produce identical tokens.
 */

export interface RecommendationClaims {
  /** The Lambda function version that answered (`AWS_LAMBDA_FUNCTION_VERSION`: digits or `$LATEST`). */
  functionVersion: string;
  /** The served model's sha256, its first MODEL_PREFIX_HEX hex digits (lowercase). */
  modelSha256Prefix: string;
  /** The answered values in TARGETS order (functions/shared/contract.ts). */
  values: readonly number[];
  /** Epoch seconds (integer). */
  issuedAt: number;
}

export const MODEL_PREFIX_HEX = 16;
const FORMAT = 1;
const KID_BYTES = 4;
const TAG_BYTES = 16;
const MAX_VERSION_LENGTH = 32;
const SCALE = 1000;
const O_KID = 1;
const O_IAT = O_KID + KID_BYTES;
const O_SHA = O_IAT + 4;
const O_VALUES = O_SHA + MODEL_PREFIX_HEX / 2;
const O_VERSION_LENGTH = O_VALUES + 4 * TARGETS.length;
const HEADER_BYTES = O_VERSION_LENGTH + 1;
/** Shortest and longest tokens in base64url characters: anything else is malformed without decoding. */
const MIN_TOKEN_CHARS = Math.ceil(((HEADER_BYTES + 1 + TAG_BYTES) * 4) / 3);
const MAX_TOKEN_CHARS = Math.ceil(((HEADER_BYTES + MAX_VERSION_LENGTH + TAG_BYTES) * 4) / 3);
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const VERSION = /^[\x21-\x7e]+$/;
const HEX_PREFIX = /^[0-9a-f]+$/;

/** A signing key: the secret's bytes as an HMAC key and the id that names it inside tokens. */
export interface RecommendationKey {
  id: Buffer;
  hmac: KeyObject;
}

/** Shortest secret accepted: 32 bytes, the output size of SHA-256 (RFC 2104 §3). */
export const MIN_SECRET_BYTES = 32;

export class RecommendationTokenError extends Error {
  override name = 'RecommendationTokenError';
  constructor(
    /** Stable code for clients: malformed, unknown_key, bad_signature, expired, not_yet_valid. */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
export class MalformedTokenError extends RecommendationTokenError {
  override name = 'MalformedTokenError';
  constructor(message: string) {
    super('malformed', message);
  }
}
export class UnknownKeyError extends RecommendationTokenError {
  override name = 'UnknownKeyError';
  constructor() {
    super('unknown_key', 'the token was signed with a key this service does not know');
  }
}
export class BadSignatureError extends RecommendationTokenError {
  override name = 'BadSignatureError';
  constructor() {
    super('bad_signature', 'the token signature does not verify: it was altered or forged');
  }
}
export class ExpiredTokenError extends RecommendationTokenError {
  override name = 'ExpiredTokenError';
  constructor(ageSeconds: number, maxAgeSeconds: number) {
    super('expired', `the token is ${Math.floor(ageSeconds)} s old; the limit is ${maxAgeSeconds} s`);
  }
}
export class NotYetValidTokenError extends RecommendationTokenError {
  override name = 'NotYetValidTokenError';
  constructor() {
    super('not_yet_valid', 'the token was issued in the future');
  }
}
/** Claims that cannot be encoded: a programming error of the signer, never a client's. */
export class InvalidClaimsError extends Error {
  override name = 'InvalidClaimsError';
}
export class WeakKeyError extends Error {
  override name = 'WeakKeyError';
}

export function recommendationKey(secret: string | Uint8Array): RecommendationKey {
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
  if (bytes.length < MIN_SECRET_BYTES) {
    throw new WeakKeyError(`the recommendation key has ${bytes.length} bytes; at least ${MIN_SECRET_BYTES}`);
  }
  // Domain-separated, so the id reveals nothing usable about the HMAC key itself.
  const id = createHash('sha256').update('hypermob recommendation key id\0').update(bytes).digest();
  return { id: id.subarray(0, KID_BYTES), hmac: createSecretKey(bytes) };
}

function tag(key: RecommendationKey, payload: Buffer): Buffer {
  return createHmac('sha256', key.hmac).update(payload).digest();
}

function checkVersionAndPrefix(version: string, sha: string): void {
  if (version.length === 0 || version.length > MAX_VERSION_LENGTH || !VERSION.test(version)) {
    throw new InvalidClaimsError(`function version ${JSON.stringify(version)} is not 1-32 printable ASCII`);
  }
  if (sha.length !== MODEL_PREFIX_HEX || !HEX_PREFIX.test(sha)) {
    throw new InvalidClaimsError(`model prefix must be ${MODEL_PREFIX_HEX} lowercase hex digits`);
  }
}

function checkIssuedAt(issuedAt: number): void {
  if (!Number.isInteger(issuedAt) || issuedAt < 0 || issuedAt > 0xffffffff) {
    throw new InvalidClaimsError(`issuedAt ${issuedAt} is not epoch seconds`);
  }
}

/** Writes the values (TARGETS order, in thousandths) at `offset` of `buf`. */
function writeValues(buf: Buffer, offset: number, values: readonly number[]): void {
  if (values.length !== TARGETS.length) {
    throw new InvalidClaimsError(`${values.length} values; the contract has ${TARGETS.length} targets`);
  }
  for (let i = 0; i < TARGETS.length; i++) {
    const milli = Math.round((values[i] as number) * SCALE);
    if (!(milli >= -0x80000000 && milli <= 0x7fffffff)) {
      throw new InvalidClaimsError(`${TARGETS[i]} = ${values[i]} cannot be encoded`);
    }
    buf.writeInt32BE(milli, offset + O_VALUES + 4 * i);
  }
}

/** The token's bytes before the values and time: format, key id, model prefix, version. */
function writeHeader(
  buf: Buffer,
  offset: number,
  key: RecommendationKey,
  version: string,
  sha: string,
): void {
  buf[offset] = FORMAT;
  key.id.copy(buf, offset + O_KID);
  buf.write(sha, offset + O_SHA, 'hex');
  buf[offset + O_VERSION_LENGTH] = version.length;
  buf.write(version, offset + HEADER_BYTES, 'latin1');
}

export function sign(claims: RecommendationClaims, key: RecommendationKey): string {
  const { functionVersion: version, modelSha256Prefix: sha, values, issuedAt } = claims;
  checkVersionAndPrefix(version, sha);
  const end = HEADER_BYTES + version.length;
  const buf = Buffer.allocUnsafe(end + TAG_BYTES);
  writeValues(buf, 0, values);
  checkIssuedAt(issuedAt);
  writeHeader(buf, 0, key, version, sha);
  buf.writeUInt32BE(issuedAt, O_IAT);
  tag(key, buf.subarray(0, end)).copy(buf, end, 0, TAG_BYTES);
  return buf.toString('base64url');
}

/** Signs the answers of one function version and model: `sign` with those claims fixed. */
export type RecommendationSigner = (values: readonly number[], issuedAt: number) => string;

const SHA256_BLOCK = 64;
const SHA256_BYTES = 32;
/** HMAC-SHA256's key pads (RFC 2104 §2), per key: derived once, not per signer. */
const padsByKey = new WeakMap<RecommendationKey, { inner: Buffer; outer: Buffer }>();

function pads(key: RecommendationKey): { inner: Buffer; outer: Buffer } {
  let p = padsByKey.get(key);
  if (!p) {
    let k = key.hmac.export();
    if (k.length > SHA256_BLOCK) k = createHash('sha256').update(k).digest();
    const inner = Buffer.alloc(SHA256_BLOCK, 0x36);
    const outer = Buffer.alloc(SHA256_BLOCK, 0x5c);
    for (let i = 0; i < k.length; i++) {
      inner[i] = (inner[i] as number) ^ (k[i] as number);
      outer[i] = (outer[i] as number) ^ (k[i] as number);
    }
    p = { inner, outer };
    padsByKey.set(key, p);
  }
  return p;
}

/**
 * A signer for `functionVersion` and `modelSha256Prefix` (checked here, once): tokens identical to
 * `sign({ functionVersion, modelSha256Prefix, values, issuedAt }, key)`. Per token it writes the time
 * and values into a reused buffer that already holds the inner key pad and the fixed claims, hashes
 * (inner pad ‖ token bytes), then (outer pad ‖ that digest), and encodes the token with its tag.
 * Synchronous, so reusing the buffers is safe.
 */
export function createSigner(
  key: RecommendationKey,
  functionVersion: string,
  modelSha256Prefix: string,
): RecommendationSigner {
  checkVersionAndPrefix(functionVersion, modelSha256Prefix);
  const { inner, outer } = pads(key);
  const end = HEADER_BYTES + functionVersion.length;
  // [inner pad | token bytes | tag]: the token is the part after the pad.
  const buf = Buffer.alloc(SHA256_BLOCK + end + TAG_BYTES);
  inner.copy(buf, 0);
  writeHeader(buf, SHA256_BLOCK, key, functionVersion, modelSha256Prefix);
  const innerMessage = buf.subarray(0, SHA256_BLOCK + end);
  const outerMessage = Buffer.alloc(SHA256_BLOCK + SHA256_BYTES);
  outer.copy(outerMessage, 0);
  return (values, issuedAt) => {
    writeValues(buf, SHA256_BLOCK, values);
    checkIssuedAt(issuedAt);
    buf.writeUInt32BE(issuedAt, SHA256_BLOCK + O_IAT);
    // Digests as latin1 ('binary') strings, one char per byte, lossless: allocating a Buffer per digest
    // costs more than the hash of these two blocks.
    outerMessage.write(hash('sha256', innerMessage, 'binary'), SHA256_BLOCK, SHA256_BYTES, 'latin1');
    buf.write(hash('sha256', outerMessage, 'binary'), SHA256_BLOCK + end, TAG_BYTES, 'latin1');
    return buf.toString('base64url', SHA256_BLOCK, SHA256_BLOCK + end + TAG_BYTES);
  };
}

export interface VerifyOptions {
  /** Epoch seconds. */
  now: number;
  maxAgeSeconds: number;
  /** How far in the future an issue time may be (clocks of execution environments differ). Default 300. */
  maxSkewSeconds?: number;
}

/**
 * The claims of a token signed by one of `keys` (current and previous: key rotation) that is not
 * older than maxAgeSeconds. Throws a RecommendationTokenError naming what is wrong; no field of the
 * token is trusted before its signature verified.
 */
export function verify(
  token: string,
  keys: readonly RecommendationKey[],
  { now, maxAgeSeconds, maxSkewSeconds = 300 }: VerifyOptions,
): RecommendationClaims {
  if (token.length < MIN_TOKEN_CHARS || token.length > MAX_TOKEN_CHARS || !BASE64URL.test(token)) {
    throw new MalformedTokenError('not a recommendation_id');
  }
  const buf = Buffer.from(token, 'base64url');
  const end = buf.length - TAG_BYTES;
  const versionLength = buf[O_VERSION_LENGTH] ?? 0;
  // Canonical encoding only: a base64url string whose unused trailing bits differ decodes to the
  // same bytes, and must not pass as another valid id for the same recommendation.
  if (
    buf[0] !== FORMAT ||
    versionLength === 0 ||
    end !== HEADER_BYTES + versionLength ||
    buf.toString('base64url') !== token
  ) {
    throw new MalformedTokenError('not a recommendation_id');
  }
  const kid = buf.subarray(O_KID, O_KID + KID_BYTES);
  const key = keys.find((k) => k.id.equals(kid));
  if (!key) throw new UnknownKeyError();
  const expected = tag(key, buf.subarray(0, end));
  if (!timingSafeEqual(expected.subarray(0, TAG_BYTES), buf.subarray(end))) throw new BadSignatureError();

  const issuedAt = buf.readUInt32BE(O_IAT);
  const age = now - issuedAt;
  if (age > maxAgeSeconds) throw new ExpiredTokenError(age, maxAgeSeconds);
  if (age < -maxSkewSeconds) throw new NotYetValidTokenError();
  const values = new Array<number>(TARGETS.length);
  for (let i = 0; i < TARGETS.length; i++) values[i] = buf.readInt32BE(O_VALUES + 4 * i) / SCALE;
  return {
    functionVersion: buf.toString('latin1', HEADER_BYTES, end),
    modelSha256Prefix: buf.toString('hex', O_SHA, O_VALUES),
    values,
    issuedAt,
  };
}
