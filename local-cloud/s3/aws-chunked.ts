import { type ChecksumAlgorithm, checksumBase64, isChecksumAlgorithm } from './checksums.js';

/**
 * Decoding and verification of S3 request bodies before they reach s3rver, which would otherwise
 * store the aws-chunked framing (chunk sizes, signatures, trailers) as part of the object.
 * Pure: headers and bytes in, decoded bytes or an S3 error out.
 *
 * Chunk signatures (STREAMING-AWS4-HMAC-SHA256-PAYLOAD) are parsed but not verified: the local
 * cloud accepts any credentials, as it does for every other signature.
 */
export class S3RequestError extends Error {
  override name = 'S3RequestError';
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export type Headers = Record<string, string | string[] | undefined>;

export interface DecodedBody {
  body: Buffer;
  /** Header names the gateway must drop before forwarding (the framing no longer applies). */
  dropHeaders: string[];
  /** The verified checksum, if the client sent one, to echo in the response as S3 does. */
  checksum?: { algorithm: ChecksumAlgorithm; value: string };
}

const STREAMING_PAYLOADS = new Set([
  'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
  'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD',
  'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER',
]);

function header(headers: Headers, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function isAwsChunked(headers: Headers): boolean {
  const sha = header(headers, 'x-amz-content-sha256') ?? '';
  const encoding = header(headers, 'content-encoding') ?? '';
  return STREAMING_PAYLOADS.has(sha) || encoding.split(',').some((e) => e.trim() === 'aws-chunked');
}

export function decodeRequestBody(headers: Headers, raw: Buffer): DecodedBody {
  if (!isAwsChunked(headers)) {
    const checksum = verifyHeaderChecksum(headers, raw);
    return { body: raw, dropHeaders: [], ...(checksum ? { checksum } : {}) };
  }
  const { data, trailers } = parseChunks(raw);
  const declared = header(headers, 'x-amz-decoded-content-length');
  if (declared !== undefined && Number(declared) !== data.length) {
    throw new S3RequestError(
      'IncompleteBody',
      `x-amz-decoded-content-length is ${declared} but the chunks hold ${data.length} bytes`,
    );
  }
  const trailerNames = (header(headers, 'x-amz-trailer') ?? '')
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter(Boolean);
  for (const name of trailerNames) {
    if (!(name in trailers)) throw new S3RequestError('MalformedTrailerError', `trailer ${name} is missing`);
  }
  const checksum = verifyHeaderChecksum({ ...headers, ...trailers }, data);
  return {
    body: data,
    dropHeaders: [
      'x-amz-decoded-content-length',
      'x-amz-trailer',
      'x-amz-content-sha256',
      'content-encoding',
      ...Object.keys(trailers),
    ],
    ...(checksum ? { checksum } : {}),
  };
}

/** Other encodings listed with aws-chunked (e.g. "aws-chunked,gzip") describe the object itself. */
export function remainingContentEncoding(headers: Headers): string | undefined {
  const rest = (header(headers, 'content-encoding') ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e && e !== 'aws-chunked');
  return rest.length > 0 ? rest.join(',') : undefined;
}

function verifyHeaderChecksum(headers: Headers, data: Buffer): DecodedBody['checksum'] {
  for (const [name, value] of Object.entries(headers)) {
    const m = /^x-amz-checksum-([a-z0-9]+)$/.exec(name);
    if (!m || value === undefined) continue;
    const algorithm = m[1] as string;
    // x-amz-checksum-mode / -type / -algorithm (CreateMultipartUpload from newer CLIs) are not digests;
    // an algorithm we cannot compute is refused rather than trusted.
    if (algorithm === 'mode' || algorithm === 'type' || algorithm === 'algorithm') continue;
    if (!isChecksumAlgorithm(algorithm)) {
      throw new S3RequestError('InvalidRequest', `unsupported checksum algorithm ${algorithm}`);
    }
    const expected = Array.isArray(value) ? (value[0] as string) : value;
    const actual = checksumBase64(algorithm, data);
    if (actual !== expected.trim()) {
      throw new S3RequestError(
        'BadDigest',
        `The ${algorithm.toUpperCase()} you specified did not match the calculated checksum.`,
      );
    }
    return { algorithm, value: actual };
  }
  return undefined;
}

const CRLF = Buffer.from('\r\n');

function parseChunks(raw: Buffer): { data: Buffer; trailers: Record<string, string> } {
  const parts: Buffer[] = [];
  let pos = 0;
  for (;;) {
    const eol = raw.indexOf(CRLF, pos);
    if (eol < 0) throw new S3RequestError('IncompleteBody', 'aws-chunked body ends inside a chunk header');
    const sizeField = raw.subarray(pos, eol).toString('latin1').split(';')[0]?.trim() ?? '';
    if (!/^[0-9a-fA-F]+$/.test(sizeField)) {
      throw new S3RequestError('InvalidChunkSizeError', `invalid chunk size "${sizeField.slice(0, 20)}"`);
    }
    const size = Number.parseInt(sizeField, 16);
    pos = eol + 2;
    if (size === 0) break;
    if (pos + size + 2 > raw.length)
      throw new S3RequestError('IncompleteBody', 'aws-chunked body is truncated');
    parts.push(raw.subarray(pos, pos + size));
    pos += size;
    if (!raw.subarray(pos, pos + 2).equals(CRLF)) {
      throw new S3RequestError('InvalidChunkSizeError', 'chunk data is longer than its declared size');
    }
    pos += 2;
  }
  const trailers: Record<string, string> = {};
  for (const line of raw.subarray(pos).toString('latin1').split('\r\n')) {
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0)
      throw new S3RequestError('MalformedTrailerError', `malformed trailer "${line.slice(0, 40)}"`);
    const name = line.slice(0, colon).trim().toLowerCase();
    if (name === 'x-amz-trailer-signature') continue;
    trailers[name] = line.slice(colon + 1).trim();
  }
  return { data: Buffer.concat(parts), trailers };
}

export function s3ErrorXml(code: string, message: string, resource: string, requestId: string): string {
  const esc = (s: string) => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${esc(code)}</Code><Message>${esc(message)}</Message><Resource>${esc(resource)}</Resource><RequestId>${requestId}</RequestId></Error>`;
}
