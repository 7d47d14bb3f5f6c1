/**
 * The 38 real drivers of UMTRI `seatpos` (Faraway, *Linear Models in R*), used only to check that a
 * model's seat_position tracks real hip positions (SEAT-FIT.md §5). Never train on them.
 *
 * Mapping to model features (SEAT-FIT.md §5): height = Ht, forearm = Arm (lower arm), thigh = Thigh,
 * calf = Leg (lower leg), torso ≈ Seated − 0.18·Ht [assumption in §5], upper_arm from the ANSUR II
 * regression on stature (§2). seatpos records no sex, so upper_arm uses the mean of the men's and
 * women's regressions: the two differ by under 0.3 cm over 150–200 cm of stature, far less than the
 * 1.05 cm residual SD, so the choice cannot move the check.
 */
import { FEATURES, type Feature } from './contract.js';
import { pearson } from './stats.js';

export interface Seatpos {
  /** Feature rows in FEATURES order, cm. */
  rows: number[][];
  /** Hip position, mm; more negative = further back. */
  hipcenter: number[];
}

/** ANSUR II acromion–radiale length on stature (mm), men and women (SEAT-FIT.md §2). */
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
  data: Seatpos = SEATPOS,
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
 * functions/shared/data/seatpos.csv, verbatim (a unit test keeps the two identical). Inlined so the
 * bundled validation Lambda needs no data file next to its code.
 */
export const SEATPOS_CSV = `id,Age,Weight,HtShoes,Ht,Seated,Arm,Thigh,Leg,hipcenter
1,46,180,187.2,184.9,95.2,36.1,45.3,41.3,-206.3
2,31,175,167.5,165.5,83.8,32.9,36.5,35.9,-178.21
3,23,100,153.6,152.2,82.9,26,36.6,31,-71.673
4,19,185,190.3,187.4,97.3,37.4,44.1,41,-257.72
5,23,159,178,174.1,93.9,29.5,40.1,36.9,-173.23
6,47,170,178.7,177,92.4,36,43.2,37.4,-185.15
7,30,137,165.7,164.6,87.7,32.5,35.6,36.2,-164.75
8,28,192,185.3,182.7,96.9,35.8,39.9,43.1,-270.92
9,23,150,167.6,165,91.4,29.4,35.5,33.4,-151.78
10,29,120,161.2,158.7,85.2,26.6,31,32.8,-113.88
11,47,143,171.9,169.1,87.8,32.9,39.2,36.9,-196.15
12,41,107,155.7,152.5,82.9,29.6,32.7,31.1,-125.55
13,51,227,179.8,177.2,91.7,31.1,41.4,40.2,-203.61
14,30,147,164.9,162.7,88,27.7,33.6,33.8,-163.22
15,22,178,177.2,176.4,94.1,31.1,41,36.6,-204.11
16,67,166,177.1,175.3,89.4,36.7,40.1,39.2,-186.8
17,25,153,173.4,171.2,85,33.1,45.2,38.4,-228.35
18,65,113,162.6,158.7,85.2,31.1,35.7,32.5,-103.85
19,22,142,167.3,164.6,90.4,29.5,36.5,34,-105.69
20,21,130,172.5,170.5,89.7,29.9,35.8,35.6,-137.36
21,20,145,168.4,166.3,87.9,30.3,34.6,38.5,-133.08
22,33,293,201.2,198.4,101.6,39.6,44.2,43.1,-279.15
23,24,180,187.6,185.3,92.6,34.9,39.9,41.8,-185.87
24,39,117,152.8,150.2,79.4,28.9,34.8,30.2,-30.95
25,58,150,169.2,166.4,86.2,33,37.9,35.7,-196.55
26,22,171,184.1,181.6,95.4,33.7,41.8,39.2,-205.61
27,21,125,165.8,163.4,85,31,36.4,35.3,-94.502
28,23,160,166.4,164.3,86.2,29.1,36.6,31.6,-125.84
29,21,157,177,175.5,91.4,34.4,41.6,36.4,-222.5
30,40,115,153.8,151.6,80.3,27.5,37.6,31.7,-102.2
31,59,168,155.2,153,84.4,34.1,35.6,34.6,-47.52
32,47,175,176.6,175.8,90.9,34.5,45.5,37.4,-183.55
33,72,186,177.7,175,90.1,38.3,39.7,37.7,-118.05
34,34,115,155.2,152.2,82,28.9,32.9,32.6,-148.67
35,19,150,172.2,169.9,89.4,34,39.7,38.1,-268.32
36,41,121,166.3,164.1,86.5,31.5,45.1,33.8,-117
37,21,154,172,170.4,90,29.5,36.8,37.5,-201.51
38,56,158,173.8,171.5,90,36.1,39.2,35.5,-176.45
`;

export const SEATPOS: Seatpos = parseSeatpos(SEATPOS_CSV);
