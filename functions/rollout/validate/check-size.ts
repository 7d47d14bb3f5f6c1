import { type CheckResult, passedOrFailed } from './check-result.js';

/**
 * Refuses empty files and files too big for the function: the bytes, two inference sessions
 * (candidate and live) and the golden set must fit in memory and /tmp with room to spare.
 */
export function checkSize(size: number, maxBytes: number): CheckResult {
  const ok = size > 0 && size <= maxBytes;
  const summary =
    size === 0
      ? 'the file is empty'
      : size > maxBytes
        ? `${size} bytes is over the ${maxBytes}-byte limit`
        : `${size} bytes (limit ${maxBytes})`;
  return { name: 'size', status: passedOrFailed(ok), summary, details: { bytes: size, maxBytes } };
}
