/**
 * Text that came out of a model file (names, metadata values, runtime error messages quoting them)
 * bounded before it goes into a log line, a report or an error cause, so a model's bytes cannot
 * flood them. The one helper every such place uses.
 */

/** Characters kept of one string: a reference_vehicle metadata value (~250) fits whole. */
export const MAX_TEXT = 300;
/** Entries kept of one array or object built from a model (inputs, metadata_props, …). */
export const MAX_ENTRIES = 100;

export function boundText(text: string, max = MAX_TEXT): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

/**
 * A JSON-like value with every string and object key bounded, and arrays and objects cut to
 * MAX_ENTRIES entries (the cut named by a last entry), at any depth.
 */
export function boundStrings<T>(value: T, max = MAX_TEXT): T {
  return bound(value, max) as T;
}

function bound(value: unknown, max: number): unknown {
  if (typeof value === 'string') return boundText(value, max);
  if (Array.isArray(value)) {
    const kept = value.slice(0, MAX_ENTRIES).map((v) => bound(v, max));
    if (value.length > MAX_ENTRIES) kept.push(`… ${value.length - MAX_ENTRIES} more entries`);
    return kept;
  }
  if (value !== null && typeof value === 'object' && !ArrayBuffer.isView(value)) {
    const entries = Object.entries(value);
    const kept = entries.slice(0, MAX_ENTRIES).map(([k, v]) => [boundText(k, max), bound(v, max)]);
    if (entries.length > MAX_ENTRIES) kept.push(['…', `${entries.length - MAX_ENTRIES} more entries`]);
    return Object.fromEntries(kept);
  }
  return value;
}
