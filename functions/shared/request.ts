import * as z from 'zod/mini';
import { FEATURES, type Feature, PLAUSIBLE_INPUT_RANGES, UNITS } from './contract.js';

/**
 * The `POST /recommend` body, from raw API Gateway text to a canonical feature row. Pure, so the
 * validation step and scripts check bodies exactly as the function does. Every problem names its
 * field; the handler turns a failure into a 4xx, never a 5xx.
 */

/** API Gateway's REST payload limit is 10 MB; people send ~150 bytes. Anything bigger is abuse. */
export const MAX_BODY_BYTES = 16 * 1024;
export const MAX_USER_ID_LENGTH = 256;

function measurement(name: Feature) {
  const { min, max } = PLAUSIBLE_INPUT_RANGES[name];
  return z.number().check(z.minimum(min), z.maximum(max));
}

export const recommendRequestSchema = z.object({
  height: measurement('height'),
  upper_arm: measurement('upper_arm'),
  forearm: measurement('forearm'),
  thigh: measurement('thigh'),
  calf: measurement('calf'),
  torso: measurement('torso'),
  user_id: z.optional(z.string().check(z.maxLength(MAX_USER_ID_LENGTH))),
});

export type RecommendRequest = z.infer<typeof recommendRequestSchema>;

export type ProblemCode =
  | 'body_too_large'
  | 'invalid_json'
  | 'invalid_body'
  | 'missing_field'
  | 'invalid_type'
  | 'not_finite'
  | 'out_of_range';

export interface FieldProblem {
  field: string;
  code: ProblemCode;
  message: string;
}

export interface RequestError {
  status: 400 | 413;
  code: ProblemCode;
  message: string;
  details?: { fields: FieldProblem[] } | { limit_bytes: number; size_bytes: number };
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: RequestError };

// zod 4 issues do not carry the input by default; the caller passes the field's value.
function describe(field: string, issue: z.core.$ZodIssue, input: unknown): FieldProblem {
  if (issue.code === 'invalid_type') {
    if (input === undefined) return { field, code: 'missing_field', message: `${field} is required` };
    // From the value itself: zod names NaN and Infinity in `received` but calls -Infinity a number.
    if (typeof input === 'number' && !Number.isFinite(input)) {
      return { field, code: 'not_finite', message: `${field} must be a finite number` };
    }
    const got = input === null ? 'null' : Array.isArray(input) ? 'array' : typeof input;
    return { field, code: 'invalid_type', message: `${field} must be a ${issue.expected}, got ${got}` };
  }
  if ((issue.code === 'too_small' || issue.code === 'too_big') && field in PLAUSIBLE_INPUT_RANGES) {
    const { min, max } = PLAUSIBLE_INPUT_RANGES[field as Feature];
    return {
      field,
      code: 'out_of_range',
      message: `${field} must be between ${min} and ${max} ${UNITS[field as Feature]}`,
    };
  }
  if (issue.code === 'too_big' && field === 'user_id') {
    return {
      field,
      code: 'out_of_range',
      message: `user_id must be at most ${MAX_USER_ID_LENGTH} characters`,
    };
  }
  return { field, code: 'invalid_type', message: `${field}: ${issue.message}` };
}

/** Validates an already parsed JSON value. */
export function parseRecommendRequest(body: unknown): Parsed<RecommendRequest> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    const got = body === null ? 'null' : Array.isArray(body) ? 'an array' : `a ${typeof body}`;
    return {
      ok: false,
      error: { status: 400, code: 'invalid_body', message: `body must be a JSON object, got ${got}` },
    };
  }
  const result = recommendRequestSchema.safeParse(body);
  if (result.success) return { ok: true, value: result.data };
  const fields = result.error.issues.map((issue) => {
    const name = issue.path.map(String).join('.') || '(body)';
    return describe(name, issue, (body as Record<string, unknown>)[name]);
  });
  const first = fields[0] as FieldProblem;
  return {
    ok: false,
    error: {
      status: 400,
      code: first.code,
      message: fields.map((f) => f.message).join('; '),
      details: { fields },
    },
  };
}

/** Size limit, base64 and JSON: API Gateway's raw body to a JSON value. */
export function decodeBody(raw: string | null | undefined, isBase64Encoded = false): Parsed<unknown> {
  if (raw === null || raw === undefined || raw === '') {
    return {
      ok: false,
      error: { status: 400, code: 'invalid_body', message: 'body is empty; send a JSON object' },
    };
  }
  // Worst case 3 UTF-8 bytes per UTF-16 unit: only long bodies pay for an exact byte count.
  const size =
    raw.length * 3 <= MAX_BODY_BYTES
      ? 0
      : isBase64Encoded
        ? Math.floor((raw.length * 3) / 4)
        : Buffer.byteLength(raw, 'utf8');
  if (size > MAX_BODY_BYTES) {
    return {
      ok: false,
      error: {
        status: 413,
        code: 'body_too_large',
        message: `body is ${size} bytes; the limit is ${MAX_BODY_BYTES}`,
        details: { limit_bytes: MAX_BODY_BYTES, size_bytes: size },
      },
    };
  }
  const text = isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return {
      ok: false,
      error: {
        status: 400,
        code: 'invalid_json',
        message: `body is not valid JSON: ${(err as Error).message}`,
      },
    };
  }
}

/** The request's measurements in canonical FEATURES order. */
export function featureRow(req: RecommendRequest): number[] {
  return FEATURES.map((f) => req[f]);
}
