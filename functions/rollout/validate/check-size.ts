import { defineCheck } from './check.js';
import { passedOrFailed, type Verdict } from './check-result.js';

/**
 * Refuses empty files and files too big for the function: the bytes, two inference sessions
 * (candidate and live) and the golden set must fit in memory and /tmp with room to spare.
 */
export function checkSize(size: number, maxBytes: number): Verdict {
  const ok = size > 0 && size <= maxBytes;
  const summary =
    size === 0
      ? 'the file is empty'
      : size > maxBytes
        ? `${size} bytes is over the ${maxBytes}-byte limit`
        : `${size} bytes (limit ${maxBytes})`;
  return { status: passedOrFailed(ok), summary, details: { bytes: size, maxBytes } };
}

/** Provides the bytes only within the limit; an empty file still goes on, to fail `parses` too. */
export const sizeCheck = defineCheck({
  id: 'size',
  order: 10,
  needs: ['upload'],
  provides: { bytes: 'over the size limit' },
  run: ({ upload }, th) => ({
    ...checkSize(upload.size, th.maxModelBytes),
    provides: upload.bytes && upload.size <= th.maxModelBytes ? { bytes: upload.bytes } : {},
  }),
});
