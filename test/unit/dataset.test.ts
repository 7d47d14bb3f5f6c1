import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ACTUATOR_RANGES,
  FEATURES,
  PLAUSIBLE_INPUT_RANGES,
  REFERENCE_VEHICLE,
  TARGETS,
  UNITS,
} from '../../functions/shared/contract.js';
import { InvalidDatasetError, parseDataset } from '../../functions/shared/dataset.js';
import { GOLDEN_PATH, TEMPLATE_PATH } from '../../scripts/commands/dataset.js';
import {
  DEFAULT_GOLDEN,
  DEFAULT_SEED,
  DEFAULT_TRAIN,
  generateDatasets,
  serializeDataset,
} from '../../scripts/dataset/generate.js';
import { isStatureTail, STATURE_TAILS_CM } from '../../scripts/dataset/stature-tails.js';

const DEFAULTS = { seed: DEFAULT_SEED, train: DEFAULT_TRAIN, golden: DEFAULT_GOLDEN };
const templateText = readFileSync(TEMPLATE_PATH, 'utf8');
const goldenText = readFileSync(GOLDEN_PATH, 'utf8');
const template = parseDataset(JSON.parse(templateText));
const golden = parseDataset(JSON.parse(goldenText));

describe('dataset generator', () => {
  it('gives the same bytes for the same seed and different bytes for another seed', () => {
    const a = generateDatasets({ seed: 7, train: 300, golden: 100 });
    const b = generateDatasets({ seed: 7, train: 300, golden: 100 });
    const c = generateDatasets({ seed: 8, train: 300, golden: 100 });
    expect(serializeDataset(a.training)).toBe(serializeDataset(b.training));
    expect(serializeDataset(a.golden)).toBe(serializeDataset(b.golden));
    expect(serializeDataset(c.training)).not.toBe(serializeDataset(a.training));
  });

  it('committed files are exactly what `hypermob dataset` writes with the defaults', () => {
    const { training, golden: g } = generateDatasets(DEFAULTS);
    expect(templateText).toBe(serializeDataset(training));
    expect(goldenText).toBe(serializeDataset(g));
  });

  it('refuses a golden set too small to hold the stature tails', () => {
    expect(() => generateDatasets({ seed: 1, train: 2000, golden: 10 })).toThrow(/stature-tail/);
  });
});

describe('parseDataset', () => {
  it('names every problem and where it is, in English', () => {
    const bad = JSON.parse(templateText);
    bad.schema_version = 2;
    bad.features = [];
    bad.records[3] = { ...bad.records[3], height: 'tall' };
    let err: unknown;
    try {
      parseDataset(bad);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidDatasetError);
    const message = (err as Error).message;
    expect(message).toContain('Invalid input: expected 1\n  → at schema_version');
    expect(message).toContain('Too small: expected array to have >=1 items\n  → at features');
    expect(message).toContain('expected number, received string\n  → at records[3].height');
    expect((err as InvalidDatasetError).issues).toHaveLength(3);
  });

  it('refuses records without a declared column', () => {
    const bad = JSON.parse(templateText);
    delete bad.records[5].calf;
    expect(() => parseDataset(bad)).toThrow('record 5 has no "calf"');
  });
});

describe('committed template and golden set', () => {
  it.each([
    ['template', template, DEFAULT_TRAIN],
    ['golden', golden, DEFAULT_GOLDEN],
  ])('%s has the contract header and %i records', (_name, d, count) => {
    expect(d.records).toHaveLength(count);
    expect(d.features).toEqual([...FEATURES]);
    expect(d.targets).toEqual([...TARGETS]);
    for (const n of [...FEATURES, ...TARGETS]) expect(d.units[n]).toBe(UNITS[n]);
    expect(d.reference_vehicle).toEqual(JSON.parse(JSON.stringify(REFERENCE_VEHICLE)));
    expect(Object.keys(d.records[0] ?? {})).toEqual([...FEATURES, ...TARGETS]);
  });

  it('keeps the template under 1 MB and values at 0.1 resolution', () => {
    expect(statSync(TEMPLATE_PATH).size).toBeLessThan(1_000_000);
    const coarse = [...template.records, ...golden.records]
      .flatMap((r) => Object.values(r))
      .filter((v) => Math.abs(v * 10 - Math.round(v * 10)) > 1e-6);
    expect(coarse).toEqual([]);
  });

  it('keeps every value inside the actuator and plausible input ranges', () => {
    const outside: string[] = [];
    [...template.records, ...golden.records].forEach((r, i) => {
      for (const t of TARGETS) {
        const v = r[t] as number;
        if (v < ACTUATOR_RANGES[t].min || v > ACTUATOR_RANGES[t].max) outside.push(`${i}.${t}=${v}`);
      }
      for (const f of FEATURES) {
        const v = r[f] as number;
        if (v < PLAUSIBLE_INPUT_RANGES[f].min || v > PLAUSIBLE_INPUT_RANGES[f].max)
          outside.push(`${i}.${f}=${v}`);
      }
    });
    expect(outside).toEqual([]);
  });

  it('puts every stature tail (below p2, above p98) in the golden set and none in training', () => {
    expect(STATURE_TAILS_CM.low).toBeCloseTo(151.6, 1);
    expect(STATURE_TAILS_CM.high).toBeCloseTo(187.6, 1);
    expect(template.records.filter((r) => isStatureTail(r.height as number))).toHaveLength(0);
    const heights = golden.records.map((r) => r.height as number);
    const low = heights.filter((h) => h < STATURE_TAILS_CM.low).length;
    const high = heights.filter((h) => h > STATURE_TAILS_CM.high).length;
    // About 2 % of the 5000 people in each tail.
    expect(low).toBeGreaterThan(60);
    expect(high).toBeGreaterThan(60);
    expect(low + high).toBeLessThan(DEFAULT_GOLDEN / 3);
  });

  it('holds different people: no identical feature rows across the two files', () => {
    const key = (r: Record<string, number>) => FEATURES.map((f) => r[f]).join(',');
    const train = new Set(template.records.map(key));
    expect(golden.records.filter((r) => train.has(key(r)))).toHaveLength(0);
  });
});
