import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { s3 } from '../../shared/aws-clients.js';
import { LINEAGE_PREFIX, type LineageRecord } from '../shared/lineage.js';
import { readLineage } from '../shared/lineage-store.js';
import { readLive, type Target } from '../shared/live-alias.js';
import { DEFAULT_MARGIN, DEFAULT_MIN_FEEDBACK, EXPERIMENT_ALPHA } from '../strategies/ab.js';
import type { ExperimentRule } from './verdict.js';

/**
 * Which experiment a readout covers, from alias `live` and the lineage records
 * `rollouts/<execution>.json`: the one holding the candidate weight now, else the most recent
 * upload whose plan held its weight (an A/B, manual or automatic).
 */

export interface LocatedExperiment {
  execution: string;
  primary: string;
  candidate: string;
  weight: number;
  started: Date;
  /** When it ended (the lineage outcome's time); undefined while it runs or holds. */
  ended?: Date;
  status: string;
  decide: 'auto' | 'manual';
  rule: ExperimentRule;
  /** The decision of the latest look, for an automatic experiment. */
  lastLook?: { look: number; of: number; decision: string; reasons: string[] };
}

const RUNNING = new Set(['in-progress', 'held']);

/** The experiment a lineage record describes, or undefined if it describes none (pure). */
export function experimentOf(record: LineageRecord): LocatedExperiment | undefined {
  const plan = record.plan;
  const shift = record.weights.find((w) => w.candidate !== undefined && w.weight > 0 && w.weight < 1);
  if (!plan?.hold || !shift?.candidate) return undefined;
  const e = plan.experiment;
  const p = plan.parameters;
  const rule: ExperimentRule = e
    ? { margin: e.margin, minFeedback: e.minFeedback, alpha: e.alpha, looks: e.looks }
    : {
        margin: typeof p.margin === 'number' ? p.margin : DEFAULT_MARGIN,
        minFeedback: typeof p.min_feedback === 'number' ? p.min_feedback : DEFAULT_MIN_FEEDBACK,
        alpha: EXPERIMENT_ALPHA,
        // A person reading a manual A/B decides once: a single fixed-sample test.
        looks: 1,
      };
  const last = record.looks?.at(-1);
  return {
    execution: record.execution,
    primary: shift.primary,
    candidate: shift.candidate,
    weight: shift.weight,
    started: new Date(shift.at),
    ...(RUNNING.has(record.outcome.status) ? {} : { ended: new Date(record.outcome.at) }),
    status: record.outcome.error
      ? `${record.outcome.status} (${record.outcome.error})`
      : record.outcome.status,
    decide: e ? 'auto' : 'manual',
    rule,
    ...(last
      ? { lastLook: { look: last.look, of: last.of, decision: last.decision, reasons: last.reasons } }
      : {}),
  };
}

/** Lineage keys, newest first (LastModified). */
async function lineageKeys(bucket: string): Promise<string[]> {
  const objects: { key: string; at: number }[] = [];
  let token: string | undefined;
  do {
    const page = await s3().send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: LINEAGE_PREFIX, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) {
      if (o.Key?.endsWith('.json')) objects.push({ key: o.Key, at: o.LastModified?.getTime() ?? 0 });
    }
    token = page.NextContinuationToken;
  } while (token);
  return objects.sort((a, b) => b.at - a.at).map((o) => o.key);
}

export async function locateExperiment(target: Target, bucket: string): Promise<LocatedExperiment> {
  const live = await readLive(target);
  if (live?.candidate && live.note.owner) {
    const record = await readLineage(bucket, live.note.owner);
    const running = record && experimentOf(record);
    if (running) return running;
  }
  for (const key of await lineageKeys(bucket)) {
    const name = key.slice(LINEAGE_PREFIX.length, -'.json'.length);
    const record = await readLineage(bucket, name);
    const found = record?.kind === 'upload' ? experimentOf(record) : undefined;
    if (found) return found;
  }
  throw new Error(
    `no A/B experiment found: alias ${target.alias} holds no candidate weight and no lineage record under s3://${bucket}/${LINEAGE_PREFIX} is an A/B`,
  );
}
