import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * The flexible checksums S3 clients send (x-amz-checksum-<algorithm>, base64 of the big-endian
 * digest). CRC32 comes from zlib; CRC32C and CRC64NVME are table-driven here because Node has
 * neither.
 */
export const CHECKSUM_ALGORITHMS = ['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

export function isChecksumAlgorithm(name: string): name is ChecksumAlgorithm {
  return (CHECKSUM_ALGORITHMS as readonly string[]).includes(name);
}

export function checksumBase64(algorithm: ChecksumAlgorithm, data: Uint8Array): string {
  switch (algorithm) {
    case 'crc32':
      return uint32Base64(crc32(data));
    case 'crc32c':
      return uint32Base64(crc32c(data));
    case 'crc64nvme':
      return crc64nvme(data).toString('base64');
    case 'sha1':
    case 'sha256':
      return createHash(algorithm).update(data).digest('base64');
  }
}

function uint32Base64(n: number): string {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b.toString('base64');
}

const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

export function crc32c(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++)
    c = (CRC32C_TABLE[(c ^ (data[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// CRC-64/NVME (reflected polynomial 0x9a6c9329ac4bc9b5), kept as two 32-bit halves: BigInt per byte
// is ~50× slower and models are tens of megabytes.
const CRC64_POLY_HI = 0x9a6c9329;
const CRC64_POLY_LO = 0xac4bc9b5;
const [CRC64_HI, CRC64_LO] = (() => {
  const hi = new Uint32Array(256);
  const lo = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let h = 0;
    let l = i;
    for (let k = 0; k < 8; k++) {
      const lsb = l & 1;
      l = ((l >>> 1) | ((h & 1) << 31)) >>> 0;
      h = h >>> 1;
      if (lsb) {
        h = (h ^ CRC64_POLY_HI) >>> 0;
        l = (l ^ CRC64_POLY_LO) >>> 0;
      }
    }
    hi[i] = h;
    lo[i] = l;
  }
  return [hi, lo];
})();

export function crc64nvme(data: Uint8Array): Buffer {
  let h = 0xffffffff;
  let l = 0xffffffff;
  for (let i = 0; i < data.length; i++) {
    const idx = (l ^ (data[i] as number)) & 0xff;
    l = (((l >>> 8) | (h << 24)) ^ (CRC64_LO[idx] as number)) >>> 0;
    h = ((h >>> 8) ^ (CRC64_HI[idx] as number)) >>> 0;
  }
  const out = Buffer.alloc(8);
  out.writeUInt32BE((h ^ 0xffffffff) >>> 0, 0);
  out.writeUInt32BE((l ^ 0xffffffff) >>> 0, 4);
  return out;
}
