import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEATURES, PLAUSIBLE_INPUT_RANGES } from '../../functions/shared/contract.js';
import { type LocalCloudFixture, startLocalCloudFixture } from '../support/local-cloud.js';

/**
 * 10 000 generated bodies through the local API's POST /recommend (the API front, the proxy event,
 * alias routing, a real execution environment running the bundle): none may get a 5xx, and the
 * service must still answer a valid request afterwards. The parser's own properties are in
 * test/unit/request-fuzz.test.ts; this is the whole path.
 */
const BODIES = 10_000;
const CONCURRENCY = 16;

let f: LocalCloudFixture;
beforeAll(async () => {
  f = await startLocalCloudFixture({ functions: ['recommend'], rollout: false });
}, 240_000);
afterAll(async () => {
  await f?.stop();
});

const VALID = { height: 175, upper_arm: 32.5, forearm: 26.8, thigh: 45.2, calf: 38.9, torso: 61.5 };

/** Valid bodies with one field replaced by anything, any JSON value, and any string. */
function bodies(seed: number): string[] {
  const feature = fc.constantFrom(...FEATURES);
  const nearValid = fc
    .tuple(feature, fc.oneof(fc.double(), fc.jsonValue(), fc.constant(undefined)))
    .map(([k, v]) => JSON.stringify({ ...VALID, [k]: v }));
  const edges = fc
    .tuple(feature, fc.constantFrom('min', 'max'), fc.double({ min: -1, max: 1, noNaN: true }))
    .map(([k, side, d]) => JSON.stringify({ ...VALID, [k]: PLAUSIBLE_INPUT_RANGES[k][side] + d }));
  const anyJson = fc.jsonValue().map((v) => JSON.stringify(v) ?? 'null');
  const anyText = fc.string({ maxLength: 300 });
  return fc.sample(fc.oneof(nearValid, edges, anyJson, anyText), { numRuns: BODIES, seed });
}

describe('POST /recommend under generated bodies', () => {
  it(`answers ${BODIES} generated bodies without a 5xx and keeps answering`, async () => {
    const all = bodies(20261202);
    const statuses = new Map<number, number>();
    const fiveXx: { status: number; body: string }[] = [];
    let next = 0;
    const worker = async () => {
      while (next < all.length) {
        const body = all[next++] as string;
        const res = await fetch(`${f.apiEndpoint}/recommend`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        await res.arrayBuffer();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status >= 500) fiveXx.push({ status: res.status, body: body.slice(0, 200) });
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    console.log(`api-fuzz: ${all.length} bodies → ${JSON.stringify(Object.fromEntries(statuses))}`);
    expect(fiveXx).toEqual([]);
    expect([...statuses.values()].reduce((a, b) => a + b, 0)).toBe(BODIES);
    expect(statuses.get(200) ?? 0).toBeGreaterThan(0);
    const after = await fetch(`${f.apiEndpoint}/recommend`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(VALID),
    });
    expect(after.status).toBe(200);
  }, 300_000);
});
