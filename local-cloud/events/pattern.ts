/**
 * EventBridge event-pattern matching, the subset this system needs: exact values, prefix, suffix,
 * equals-ignore-case, anything-but (values, or a prefix/suffix), exists, and numeric ranges.
 * Semantics follow EventBridge: every key of the pattern must match; a leaf is an array of
 * alternatives, any of which may match; when the event value is an array, matching any element
 * counts; an object in the pattern descends into the event.
 */
export type EventPattern = { [key: string]: EventPattern | PatternLeaf[] };
export type PatternLeaf = string | number | boolean | null | Record<string, unknown>;

export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  if (!isObject(event)) return false;
  for (const [key, expected] of Object.entries(pattern)) {
    const present = Object.hasOwn(event, key);
    const actual = event[key];
    if (Array.isArray(expected)) {
      if (!matchesLeafList(expected, present, actual)) return false;
    } else if (isObject(expected)) {
      if (!present || !matchesPattern(expected as EventPattern, actual)) return false;
    } else {
      throw new Error(`invalid event pattern at "${key}": expected an array or an object`);
    }
  }
  return true;
}

function matchesLeafList(alternatives: PatternLeaf[], present: boolean, actual: unknown): boolean {
  const values = Array.isArray(actual) ? actual : [actual];
  return alternatives.some((alt) => {
    if (isObject(alt) && 'exists' in alt) return alt.exists === present;
    if (!present) return false;
    return values.some((v) => matchesLeaf(alt, v));
  });
}

function matchesLeaf(alt: PatternLeaf, value: unknown): boolean {
  if (!isObject(alt)) return alt === value;
  const [op, arg] = Object.entries(alt)[0] ?? [];
  switch (op) {
    case 'prefix':
      return typeof value === 'string' && value.startsWith(stringArg(arg, op));
    case 'suffix':
      return typeof value === 'string' && value.endsWith(stringArg(arg, op));
    case 'equals-ignore-case':
      return typeof value === 'string' && value.toLowerCase() === stringArg(arg, op).toLowerCase();
    case 'anything-but':
      return matchesAnythingBut(arg, value);
    case 'numeric':
      return typeof value === 'number' && matchesNumeric(arg, value);
    default:
      throw new Error(`unsupported event pattern operator "${op}"`);
  }
}

function matchesAnythingBut(arg: unknown, value: unknown): boolean {
  if (Array.isArray(arg)) return !arg.includes(value);
  if (isObject(arg)) {
    if (typeof value !== 'string') return true;
    if (typeof arg.prefix === 'string') return !value.startsWith(arg.prefix);
    if (typeof arg.suffix === 'string') return !value.endsWith(arg.suffix);
    throw new Error('anything-but supports a value list, prefix or suffix');
  }
  return arg !== value;
}

const NUMERIC_OPS: Record<string, (a: number, b: number) => boolean> = {
  '=': (a, b) => a === b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

function matchesNumeric(arg: unknown, value: number): boolean {
  if (!Array.isArray(arg) || arg.length % 2 !== 0) throw new Error('numeric expects [op, value, …] pairs');
  for (let i = 0; i < arg.length; i += 2) {
    const compare = NUMERIC_OPS[String(arg[i])];
    const bound = arg[i + 1];
    if (!compare || typeof bound !== 'number') throw new Error(`invalid numeric condition ${String(arg[i])}`);
    if (!compare(value, bound)) return false;
  }
  return true;
}

function stringArg(arg: unknown, op: string): string {
  if (typeof arg !== 'string') throw new Error(`${op} expects a string`);
  return arg;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
