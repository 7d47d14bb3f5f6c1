import { z } from 'zod';

/**
 * The durable rollout state kept in alias `live`'s Description (≤ 256 characters), so it changes
 * atomically with the routing it describes and every write carries the alias RevisionId:
 * - `owner`: the upload execution that claimed the alias (its candidate weight, if any, is its own);
 * - `started`: that execution's start time in epoch ms — the supersede watermark: an upload that
 *   started earlier may no longer change the alias;
 * - `previous`: the version that was live before the current primary (default of `rollback`).
 */
export const aliasNoteSchema = z.object({
  owner: z.string().min(1).optional(),
  started: z.number().int().nonnegative().optional(),
  previous: z.string().regex(/^\d+$/).optional(),
});
export type AliasNote = z.infer<typeof aliasNoteSchema>;

export const MAX_DESCRIPTION_LENGTH = 256;

/** Anything that is not our JSON (a hand-written description) reads as "no state". */
export function readAliasNote(description: string | undefined): AliasNote {
  if (!description) return {};
  try {
    const parsed = aliasNoteSchema.safeParse(JSON.parse(description));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

export function writeAliasNote(note: AliasNote): string {
  const text = JSON.stringify(aliasNoteSchema.parse(note));
  if (text.length > MAX_DESCRIPTION_LENGTH)
    throw new Error(`alias note too long (${text.length} characters)`);
  return text;
}

/** What alias `live` routes to, as the rollout sees it. */
export interface LiveAlias {
  primary: string;
  /** The one extra version Lambda allows, with its weight (0–1). */
  candidate?: { version: string; weight: number };
  revisionId: string;
  note: AliasNote;
}

/** Is `a` (start ms, execution name) later than `b`? Equal start times are ordered by name. */
export function startedLater(a: { started: number; name: string }, b: { started: number; name: string }) {
  return a.started > b.started || (a.started === b.started && a.name > b.name);
}
