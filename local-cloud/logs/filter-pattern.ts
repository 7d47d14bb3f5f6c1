/**
 * CloudWatch Logs filter patterns for unstructured events, the subset the local Logs API answers
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html): terms
 * separated by spaces must all appear (case-sensitive), a `"quoted phrase"` as is, `?term` — the
 * event matches if any `?` term appears, `-term` must not appear; empty matches everything. JSON
 * (`{ $.x = … }`) and space-delimited (`[a, b]`) patterns are refused rather than misread.
 */
export type Matcher = (message: string) => boolean;

export class UnsupportedPattern extends Error {}

export function compileFilterPattern(pattern: string | undefined): Matcher {
  const text = (pattern ?? '').trim();
  if (text === '') return () => true;
  if (text.startsWith('{') || text.startsWith('[')) {
    throw new UnsupportedPattern(
      `Filter pattern ${text}: JSON and space-delimited patterns are not supported locally`,
    );
  }
  const all: string[] = [];
  const any: string[] = [];
  const none: string[] = [];
  for (const m of text.matchAll(/([?-]?)(?:"((?:[^"\\]|\\.)*)"|(\S+))/g)) {
    const term = (m[2] ?? m[3] ?? '').replace(/\\(.)/g, '$1');
    if (m[1] === '?') any.push(term);
    else if (m[1] === '-') none.push(term);
    else all.push(term);
  }
  return (message) =>
    all.every((t) => message.includes(t)) &&
    (any.length === 0 || any.some((t) => message.includes(t))) &&
    !none.some((t) => message.includes(t));
}
