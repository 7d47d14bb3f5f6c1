import { z } from 'zod';
import { BUCKET_PREFIXES } from '../../../system/manifest.js';
import type { StrategyParameters, TrafficPlan } from '../strategies/strategy.js';

/**
 * One lineage record per execution (`rollouts/<executionName>.json`): what was uploaded, how it
 * was validated, which version served it, every weight change, every gate, and the outcome.
 * Pure updates here; lineage-store.ts reads and writes the record.
 */

export const LINEAGE_PREFIX = BUCKET_PREFIXES.rollouts;

export interface WeightChange {
  at: string;
  primary: string;
  candidate?: string;
  weight: number;
  reason: string;
}

export interface GateRecord {
  at: string;
  step: number;
  weight: number;
  decision: string;
  reasons: string[];
  evidence: unknown;
}

/** One look of an automatic experiment: what it read and what it decided. */
export interface LookRecord {
  at: string;
  look: number;
  /** K, the most looks planned. */
  of: number;
  decision: string;
  reasons: string[];
  readout: unknown;
  gate: { decision: string; reasons: string[]; evidence: unknown };
}

export interface LineageRecord {
  schemaVersion: 1;
  execution: string;
  kind: 'upload' | 'command';
  startedAt: string;
  updatedAt: string;
  model?: { bucket: string; key: string; size?: number; etag?: string; versionId?: string; sha256?: string };
  plan?: { strategy: string; parameters: StrategyParameters; note?: string } & TrafficPlan;
  validation?: { reportKey?: string; passed?: boolean; summary?: unknown };
  release?: {
    version: string;
    pinnedKey: string;
    pinnedVersionId?: string;
    reused: boolean;
  };
  preTraffic?: {
    version: string;
    passed: boolean;
    probes: { probe: number; ms: number; problems: string[] }[];
  };
  command?: { command: string; version?: string; before?: unknown; after?: unknown };
  superseded?: string[];
  weights: WeightChange[];
  gates: GateRecord[];
  /** Experiments decided on evidence: every look, the last one the decision. */
  looks?: LookRecord[];
  outcome: { status: OutcomeStatus; at: string; error?: string; cause?: string; by?: string };
}

/** How a rollout ended (or `in-progress`); the operator's read model parses the same list. */
export const OUTCOME_STATUSES = [
  'in-progress',
  'unchanged',
  'completed',
  'held',
  'promoted',
  'aborted',
  'rolled-back',
  'rollback-failed',
  'superseded',
  /** The execution ended (stopped, timed out, died) holding a weight; the reconciler removed it. */
  'reconciled',
  'rejected',
  'failed',
] as const;
export type OutcomeStatus = (typeof OUTCOME_STATUSES)[number];

/**
 * What a stored record must hold for the steps to update it (lineage-store.ts parses on read).
 * Loose objects: the fields the steps read are checked, everything else is carried as written.
 */
export const lineageRecordSchema = z.looseObject({
  schemaVersion: z.literal(1),
  execution: z.string().min(1),
  kind: z.enum(['upload', 'command']),
  startedAt: z.string(),
  updatedAt: z.string(),
  release: z.looseObject({ version: z.string() }).optional(),
  weights: z.array(
    z.looseObject({
      at: z.string(),
      primary: z.string(),
      candidate: z.string().optional(),
      weight: z.number(),
      reason: z.string(),
    }),
  ),
  gates: z.array(z.looseObject({})),
  looks: z.array(z.looseObject({ look: z.number() })).optional(),
  outcome: z.looseObject({ status: z.enum(OUTCOME_STATUSES), at: z.string() }),
});

export function lineageKey(executionName: string): string {
  return `${LINEAGE_PREFIX}${executionName}.json`;
}

export function newLineage(execution: string, kind: LineageRecord['kind'], at: string): LineageRecord {
  return {
    schemaVersion: 1,
    execution,
    kind,
    startedAt: at,
    updatedAt: at,
    weights: [],
    gates: [],
    outcome: { status: 'in-progress', at },
  };
}

type Patch = Partial<Omit<LineageRecord, 'schemaVersion' | 'execution' | 'weights' | 'gates'>>;

export function patchLineage(record: LineageRecord, at: string, patch: Patch): LineageRecord {
  return { ...record, ...patch, updatedAt: at };
}

export function addWeightChange(record: LineageRecord, change: WeightChange): LineageRecord {
  return { ...record, weights: [...record.weights, change], updatedAt: change.at };
}

export function addGate(record: LineageRecord, gate: GateRecord): LineageRecord {
  return { ...record, gates: [...record.gates, gate], updatedAt: gate.at };
}

/** A retried Look replaces its own earlier record instead of adding a second one. */
export function addLook(record: LineageRecord, look: LookRecord): LineageRecord {
  const others = (record.looks ?? []).filter((l) => l.look !== look.look);
  return { ...record, looks: [...others, look], updatedAt: look.at };
}

export function withOutcome(
  record: LineageRecord,
  at: string,
  outcome: Omit<LineageRecord['outcome'], 'at'>,
): LineageRecord {
  return { ...record, outcome: { ...outcome, at }, updatedAt: at };
}
