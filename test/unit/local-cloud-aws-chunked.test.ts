import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeRequestBody, S3RequestError } from '../../local-cloud/s3/aws-chunked.js';
import { checksumBase64, crc32c, crc64nvme } from '../../local-cloud/s3/checksums.js';

const check = Buffer.from('123456789');

function chunked(data: Buffer, chunkSize: number, trailer?: string, signed = false): Buffer {
  const parts: Buffer[] = [];
  const sig = signed ? `;chunk-signature=${'0'.repeat(64)}` : '';
  for (let i = 0; i < data.length; i += chunkSize) {
    const c = data.subarray(i, i + chunkSize);
    parts.push(Buffer.from(`${c.length.toString(16)}${sig}\r\n`), c, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`0${sig}\r\n`));
  if (trailer) parts.push(Buffer.from(`${trailer}\r\n`));
  parts.push(Buffer.from('\r\n'));
  return Buffer.concat(parts);
}

describe('checksums', () => {
  it('match the published check values', () => {
    expect(crc32c(check).toString(16)).toBe('e3069283');
    expect(crc64nvme(check).toString('hex')).toBe('ae8b14860a799888');
    expect(checksumBase64('crc32', check)).toBe(Buffer.from('cbf43926', 'hex').toString('base64'));
    expect(checksumBase64('sha256', check)).toBe(createHash('sha256').update(check).digest('base64'));
  });
});

describe('decodeRequestBody', () => {
  const data = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7) % 256));

  it('decodes an unsigned trailer body and verifies its CRC32 trailer', () => {
    const crc = checksumBase64('crc32', data);
    const raw = chunked(data, 65_536, `x-amz-checksum-crc32:${crc}`);
    const out = decodeRequestBody(
      {
        'content-encoding': 'aws-chunked',
        'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
        'x-amz-decoded-content-length': String(data.length),
        'x-amz-trailer': 'x-amz-checksum-crc32',
      },
      raw,
    );
    expect(out.body.equals(data)).toBe(true);
    expect(out.checksum).toEqual({ algorithm: 'crc32', value: crc });
    expect(out.dropHeaders).toContain('x-amz-decoded-content-length');
  });

  it('decodes signed chunks (signatures are not checked) and CRC64NVME trailers', () => {
    const crc = checksumBase64('crc64nvme', data);
    const raw = chunked(
      data,
      8192,
      `x-amz-checksum-crc64nvme:${crc}\r\nx-amz-trailer-signature:${'1'.repeat(64)}`,
      true,
    );
    const out = decodeRequestBody(
      {
        'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
        'x-amz-decoded-content-length': String(data.length),
        'x-amz-trailer': 'x-amz-checksum-crc64nvme',
      },
      raw,
    );
    expect(out.body.equals(data)).toBe(true);
  });

  it('refuses a body whose trailer checksum does not match (BadDigest)', () => {
    const crc = checksumBase64('crc32', data);
    const corrupt = Buffer.from(data);
    corrupt[1234] = (corrupt[1234] as number) ^ 0xff;
    const raw = chunked(corrupt, 65_536, `x-amz-checksum-crc32:${crc}`);
    const headers = {
      'content-encoding': 'aws-chunked',
      'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
      'x-amz-decoded-content-length': String(data.length),
      'x-amz-trailer': 'x-amz-checksum-crc32',
    };
    expect(() => decodeRequestBody(headers, raw)).toThrow(expect.objectContaining({ code: 'BadDigest' }));
  });

  it('refuses a decoded length that differs from the header, truncation and bad framing', () => {
    const headers = { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': '5' };
    expect(() => decodeRequestBody(headers, chunked(Buffer.from('abcdef'), 3))).toThrow(S3RequestError);
    const truncated = chunked(data, 65_536).subarray(0, 1000);
    expect(() => decodeRequestBody({ 'content-encoding': 'aws-chunked' }, truncated)).toThrow(/truncated/);
    expect(() => decodeRequestBody({ 'content-encoding': 'aws-chunked' }, Buffer.from('zz\r\n'))).toThrow(
      /invalid chunk size/,
    );
  });

  it('refuses a missing announced trailer', () => {
    const headers = { 'content-encoding': 'aws-chunked', 'x-amz-trailer': 'x-amz-checksum-crc32' };
    expect(() => decodeRequestBody(headers, chunked(Buffer.from('abc'), 3))).toThrow(/missing/);
  });

  it('verifies a plain body against an x-amz-checksum header', () => {
    const ok = { 'x-amz-checksum-crc32c': checksumBase64('crc32c', check) };
    expect(decodeRequestBody(ok, check).body).toBe(check);
    expect(() => decodeRequestBody(ok, Buffer.from('123456780'))).toThrow(/did not match/);
  });

  it('reads x-amz-checksum-algorithm and -type as names, not digests (CLI CreateMultipartUpload)', () => {
    const headers = { 'x-amz-checksum-algorithm': 'CRC32', 'x-amz-checksum-type': 'COMPOSITE' };
    expect(decodeRequestBody(headers, check)).toEqual({ body: check, dropHeaders: [] });
  });
});
