/**
 * docs/domain.md §4: the seeded generator of the training template and the golden set. One population of
 * train + golden people is drawn from one random stream; every person is one record; the stature tails
 * all go to the golden set, the rest of it is a seeded random choice of the other people.
 */
import {
  FEATURES,
  type Feature,
  REFERENCE_VEHICLE,
  TARGETS,
  type Target,
  UNITS,
} from '../../functions/shared/contract.js';
import type { Dataset } from '../../functions/shared/dataset.js';
import { type Person, samplePerson } from './person.js';
import { createRng, type Rng } from './prng.js';
import { seatFit } from './seat-fit.js';
import { isStatureTail } from './stature-tails.js';

export const DEFAULT_SEED = 42;
export const DEFAULT_TRAIN = 4000;
export const DEFAULT_GOLDEN = 1000;

export type DatasetRecord = Record<Feature | Target, number>;

export interface GeneratedRow {
  /** The latent person (sex, SHS, BMI, age, unrounded sizes), for tests and the noise report. */
  person: Person;
  /** Features in cm rounded to 0.1, targets rounded to 0.1 of their unit. */
  record: DatasetRecord;
}

export function round1(v: number): number {
  // + 0 turns −0 into 0 so the written JSON never says "-0".
  return Math.round(v * 10) / 10 + 0;
}

export function generateRow(rng: Rng): GeneratedRow {
  const person = samplePerson(rng);
  const targets = seatFit(person, rng);
  const record = {} as DatasetRecord;
  record.height = round1(person.stature / 10);
  for (const f of FEATURES) if (f !== 'height') record[f] = round1(person.segments[f] / 10);
  for (const t of TARGETS) record[t] = round1(targets[t]);
  return { person, record };
}

export function generateRows(rng: Rng, n: number): GeneratedRow[] {
  return Array.from({ length: n }, () => generateRow(rng));
}

export interface GenerateOptions {
  seed: number;
  train: number;
  golden: number;
}

export interface GeneratedDatasets {
  training: Dataset;
  golden: Dataset;
  /** How many golden records are stature tails. */
  goldenTails: number;
}

export function generateDatasets(opts: GenerateOptions): GeneratedDatasets {
  const rng = createRng(opts.seed);
  const rows = generateRows(rng, opts.train + opts.golden);
  const tails = rows.flatMap((r, i) => (isStatureTail(r.record.height) ? [i] : []));
  if (tails.length > opts.golden) {
    throw new Error(
      `golden set of ${opts.golden} cannot hold the ${tails.length} stature-tail people; raise --golden`,
    );
  }
  const central = rows.flatMap((r, i) => (isStatureTail(r.record.height) ? [] : [i]));
  shuffle(central, rng);
  const inGolden = new Set([...tails, ...central.slice(0, opts.golden - tails.length)]);
  const pick = (golden: boolean) => rows.filter((_, i) => inGolden.has(i) === golden).map((r) => r.record);
  return {
    training: toDataset(pick(false)),
    golden: toDataset(pick(true)),
    goldenTails: tails.length,
  };
}

export function toDataset(records: DatasetRecord[]): Dataset {
  return {
    schema_version: 1,
    features: [...FEATURES],
    targets: [...TARGETS],
    units: Object.fromEntries([...FEATURES, ...TARGETS].map((n) => [n, UNITS[n]])),
    reference_vehicle: { ...REFERENCE_VEHICLE },
    records,
  };
}

/** JSON with one record per line: compact, yet diffs of a regenerated file stay readable. */
export function serializeDataset(d: Dataset): string {
  const { records, ...header } = d;
  const head = JSON.stringify(header).slice(0, -1);
  return `${head},"records":[\n${records.map((r) => JSON.stringify(r)).join(',\n')}\n]}\n`;
}

/** Fisher–Yates, in place, with the generator's own stream. */
function shuffle<T>(a: T[], rng: Rng): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform() * (i + 1));
    const tmp = a[i] as T;
    a[i] = a[j] as T;
    a[j] = tmp;
  }
}
