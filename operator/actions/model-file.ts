import { inspectOnnx } from '../../functions/rollout/validate/check-parses.js';
import { UsageError } from '../errors.js';

/**
 * Is this file an ONNX model? Checked before anything is uploaded. The common mistake is a
 * scikit-learn model saved with pickle or joblib and renamed `.onnx`: its first bytes say what it
 * is, and the message says how to convert it. Anything else must scan as an ONNX protobuf with an
 * IR version and a graph: the validation gate's own `parses` check (functions/rollout/validate/check-parses.ts).
 */
const SIGNATURES: { what: string; test: (b: Uint8Array) => boolean }[] = [
  { what: 'a Python pickle', test: (b) => b[0] === 0x80 && (b[1] ?? 0) >= 2 && (b[1] ?? 0) <= 5 },
  {
    what: 'a joblib file (zlib-compressed pickle)',
    test: (b) => b[0] === 0x78 && [0x01, 0x5e, 0x9c, 0xda].includes(b[1] ?? 0),
  },
  { what: 'a joblib file (compressed pickle)', test: (b) => ascii(b, 0, 2) === 'ZF' },
  {
    what: 'a ZIP archive (a PyTorch checkpoint, .npz, .keras or a zipped model?)',
    test: (b) => ascii(b, 0, 4) === 'PK\x03\x04',
  },
  { what: 'a gzip file', test: (b) => b[0] === 0x1f && b[1] === 0x8b },
  {
    what: 'an xz/lzma file (a compressed joblib?)',
    test: (b) => b[0] === 0xfd && ascii(b, 1, 6) === '7zXZ\x00',
  },
  { what: 'a bz2 file (a compressed joblib?)', test: (b) => ascii(b, 0, 3) === 'BZh' },
  { what: 'a NumPy array (.npy)', test: (b) => b[0] === 0x93 && ascii(b, 1, 6) === 'NUMPY' },
  {
    what: 'an HDF5 file (a Keras .h5 model?)',
    test: (b) => b[0] === 0x89 && ascii(b, 1, 8) === 'HDF\r\n\x1a\n',
  },
  { what: 'a JSON or text file', test: (b) => ['{', '['].includes(ascii(b, 0, 1)) },
];

function ascii(b: Uint8Array, from: number, to: number): string {
  return String.fromCharCode(...b.subarray(from, to));
}

export function describeNonOnnx(bytes: Uint8Array): string | undefined {
  if (bytes.length === 0) return 'the file is empty';
  const known = SIGNATURES.find((s) => s.test(bytes));
  if (known) {
    const pickled = /pickle|joblib/.test(known.what);
    return `it is ${known.what}, not an ONNX model${pickled ? ': convert the scikit-learn model with skl2onnx (docs/model-contract.md)' : ''}`;
  }
  const { verdict } = inspectOnnx(bytes);
  return verdict.status === 'passed' ? undefined : `it is not an ONNX model (${verdict.summary})`;
}

/** UsageError naming what the file is, when it is not an ONNX model. */
export function assertOnnx(path: string, bytes: Uint8Array): void {
  const problem = describeNonOnnx(bytes);
  if (problem) throw new UsageError(`refusing ${path}: ${problem}; nothing was uploaded`);
}
