import * as z from 'zod/mini';
import { ACTUATOR_RANGES, TARGETS, type Target, UNITS } from '../shared/contract.js';

/**
 * The `POST /feedback` body: `{"recommendation_id": "…", "final": {"seat_position": 512.0, …}}`,
 * the settings the driver ended with (at least one target). Pure; every problem names its field
 * and becomes a 400, never a 5xx. The token itself is verified by the handler.
 */

/** A token is under 100 characters (functions/shared/recommendation-token.ts); this bounds the work on junk. */
export const MAX_RECOMMENDATION_ID_LENGTH = 512;

export type FeedbackProblemCode =
  | 'invalid_body'
  | 'missing_field'
  | 'unknown_field'
  | 'unknown_target'
  | 'invalid_type'
  | 'not_finite'
  | 'out_of_range';

export interface FieldProblem {
  field: string;
  code: FeedbackProblemCode;
  message: string;
}

export interface Feedback {
  recommendation_id: string;
  /** The given targets only, each within its actuator range. */
  final: Partial<Record<Target, number>>;
}

export interface FeedbackError {
  status: 400;
  code: FeedbackProblemCode;
  message: string;
  details: { fields: FieldProblem[] };
}

function setting(t: Target) {
  return z.optional(z.number().check(z.minimum(ACTUATOR_RANGES[t].min), z.maximum(ACTUATOR_RANGES[t].max)));
}

const finalSchema = z
  .strictObject(
    Object.fromEntries(TARGETS.map((t) => [t, setting(t)])) as Record<Target, ReturnType<typeof setting>>,
  )
  .check(z.refine((f) => Object.keys(f).length > 0, { message: 'final must name at least one target' }));

export const feedbackSchema = z.strictObject({
  recommendation_id: z.string().check(z.minLength(1), z.maxLength(MAX_RECOMMENDATION_ID_LENGTH)),
  final: finalSchema,
});

function at(body: unknown, path: readonly PropertyKey[]): unknown {
  let v = body;
  for (const k of path)
    v = typeof v === 'object' && v !== null ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

function kind(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

// zod 4 issues do not carry the input by default; the caller passes the field's value.
function describe(issue: z.core.$ZodIssue, body: unknown): FieldProblem[] {
  const field = issue.path.map(String).join('.') || '(body)';
  const input = at(body, issue.path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const inFinal = issue.path.length === 1 && issue.path[0] === 'final';
      return issue.keys.map((k) => {
        const name = inFinal ? `final.${k}` : k;
        return inFinal
          ? {
              field: name,
              code: 'unknown_target' as const,
              message: `${name}: not a target; use ${TARGETS.join(', ')}`,
            }
          : {
              field: name,
              code: 'unknown_field' as const,
              message: `${name}: unknown field; send recommendation_id and final`,
            };
      });
    }
    case 'invalid_type': {
      if (input === undefined) return [{ field, code: 'missing_field', message: `${field} is required` }];
      if (issue.expected === 'number' && typeof input === 'number') {
        return [{ field, code: 'not_finite', message: `${field} must be a finite number` }];
      }
      const message = `${field} must be a ${issue.expected}, got ${kind(input)}`;
      return [{ field, code: 'invalid_type', message }];
    }
    case 'too_small':
    case 'too_big': {
      if (issue.path[0] === 'final' && typeof issue.path[1] === 'string') {
        const { min, max } = ACTUATOR_RANGES[issue.path[1] as Target];
        const unit = UNITS[issue.path[1] as Target];
        const message = `${field} must be between ${min} and ${max} ${unit} (the actuator's range)`;
        return [{ field, code: 'out_of_range', message }];
      }
      const message = `${field} must be 1 to ${MAX_RECOMMENDATION_ID_LENGTH} characters`;
      return [{ field, code: 'out_of_range', message }];
    }
    default:
      // The one refinement: an empty `final`.
      return [{ field, code: 'missing_field', message: issue.message }];
  }
}

export type ParsedFeedback = { ok: true; value: Feedback } | { ok: false; error: FeedbackError };

export function parseFeedback(body: unknown): ParsedFeedback {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    const message = `body must be a JSON object, got ${kind(body)}`;
    const fields: FieldProblem[] = [{ field: '(body)', code: 'invalid_body', message }];
    return { ok: false, error: { status: 400, code: 'invalid_body', message, details: { fields } } };
  }
  const result = feedbackSchema.safeParse(body);
  if (result.success) return { ok: true, value: result.data as Feedback };
  const fields = result.error.issues.flatMap((issue) => describe(issue, body));
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
