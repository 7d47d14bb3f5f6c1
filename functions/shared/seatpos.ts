/**
 * The 38 real drivers of UMTRI `seatpos` (Faraway, *Linear Models in R*), used only to check that a
 * model's seat_position tracks real hip positions (docs/domain.md §5). Never train on them.
 *
 * Mapping to model features (docs/domain.md §5): height = Ht, forearm = Arm (lower arm), thigh = Thigh,
 * calf = Leg (lower leg), torso ≈ Seated − 0.18·Ht [assumption in §5], upper_arm from the ANSUR II
 * regression on stature (§2). seatpos records no sex, so upper_arm uses the mean of the men's and
 * women's regressions: the two differ by under 0.3 cm over 150–200 cm of stature, far less than the
 * 1.05 cm residual SD, so the choice cannot move the check.
 */
import { readFileSync } from 'node:fs';
import { FEATURES, type Feature } from './contract.js';
import { pearson } from './stats.js';

export interface Seatpos {
  /** Feature rows in FEATURES order, cm. */
  rows: number[][];
  /** Hip position, mm; more negative = further back. */
  hipcenter: number[];
}

/** ANSUR II acromion–radiale length on stature (mm), men and women (docs/domain.md §2). */
const UPPER_ARM = { male: { a: -20.9, b: 0.2028 }, female: { a: -34.0, b: 0.212 } } as const;

/** Upper arm (cm) for a driver of unknown sex: the mean of both sexes' regressions. */
export function upperArmFromStature(heightCm: number): number {
  const s = heightCm * 10;
  const mm = (UPPER_ARM.male.a + UPPER_ARM.male.b * s + UPPER_ARM.female.a + UPPER_ARM.female.b * s) / 2;
  return mm / 10;
}

const COLUMNS = ['Ht', 'Seated', 'Arm', 'Thigh', 'Leg', 'hipcenter'] as const;

export function parseSeatpos(csv: string): Seatpos {
  const [header, ...lines] = csv.trim().split(/\r?\n/);
  const names = (header ?? '').split(',').map((h) => h.trim());
  const index = Object.fromEntries(
    COLUMNS.map((c) => {
      const i = names.indexOf(c);
      if (i < 0) throw new Error(`seatpos: column "${c}" missing`);
      return [c, i];
    }),
  ) as Record<(typeof COLUMNS)[number], number>;
  const rows: number[][] = [];
  const hipcenter: number[] = [];
  lines.forEach((line, n) => {
    const cells = line.split(',').map(Number);
    const get = (c: (typeof COLUMNS)[number]): number => {
      const v = cells[index[c]];
      if (v === undefined || !Number.isFinite(v)) throw new Error(`seatpos line ${n + 2}: bad ${c}`);
      return v;
    };
    const ht = get('Ht');
    const features: Record<Feature, number> = {
      height: ht,
      upper_arm: upperArmFromStature(ht),
      forearm: get('Arm'),
      thigh: get('Thigh'),
      calf: get('Leg'),
      torso: get('Seated') - 0.18 * ht,
    };
    rows.push(FEATURES.map((f) => features[f]));
    hipcenter.push(get('hipcenter'));
  });
  return { rows, hipcenter };
}

/**
 * Correlation of predicted seat_position with how far back real drivers sit (−hipcenter). A model
 * that makes physical sense gets a clearly positive r; stature alone reaches about 0.80.
 */
export function seatposCheck(
  predictSeatPosition: (rows: number[][]) => number[],
  data: Seatpos,
): { r: number; n: number } {
  const predicted = predictSeatPosition(data.rows);
  return {
    r: pearson(
      predicted,
      data.hipcenter.map((h) => -h),
    ),
    n: data.rows.length,
  };
}

/**
 * The committed copy of the drivers. The validation gate does not read it: it judges models on the
 * bucket's golden/seatpos.csv (seeded from this file), like the golden set, so its bundle ships no data.
 */
export const SEATPOS_CSV_URL = new URL('./data/seatpos.csv', import.meta.url);

export function readSeatpos(url: URL = SEATPOS_CSV_URL): Seatpos {
  return parseSeatpos(readFileSync(url, 'utf8'));
}
