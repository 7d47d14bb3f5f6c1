/**
 * How an S3 key becomes a path under its bucket's directory, and back. s3rver's filesystem store
 * joins the key's `/`-separated segments into a path as they are, so a key `../../x` (S3 allows
 * it) lands outside the data directory, `a//b` and `a/b` collide and a NUL byte fails the call.
 * Each segment is escaped on its own instead, so every key maps inside its bucket and round-trips:
 * `%` → `%25`, NUL → `%00`, a leading `.` → `%2E` (so no segment is `.` or `..`, and none can be
 * mistaken for s3rver's own `._S3rver_*` files), and an empty segment → `%` (which no other segment
 * can be: a `%` in a key is always followed by two hex digits once escaped).
 */
export function keyToSegments(key: string): string[] {
  return key.split('/').map(encodeSegment);
}

export function segmentsToKey(segments: string[]): string {
  return segments.map(decodeSegment).join('/');
}

function encodeSegment(segment: string): string {
  if (segment === '') return '%';
  return segment.replace(/%/g, '%25').replace(/\0/g, '%00').replace(/^\./, '%2E');
}

function decodeSegment(segment: string): string {
  if (segment === '%') return '';
  return segment.replace(/%(25|00|2E)/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

/** S3's bucket naming rules: 3–63 lowercase letters, digits, dots and hyphens, no `..`. */
export function isValidBucketName(name: string): boolean {
  return /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) && !name.includes('..');
}
