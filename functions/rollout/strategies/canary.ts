import { z } from 'zod';
import { fraction, interval, roundWeight } from './parameters.js';
import { defineStrategy } from './strategy.js';

/** One weight, baked and gated, then 100 %. */
export const canary = defineStrategy({
  name: 'canary',
  parameters: (d) => z.object({ weight: fraction('weight').default(d.weight), interval: interval(d) }),
  plan: (p) => ({ schedule: [roundWeight(p.weight)], intervalSeconds: p.interval, hold: false }),
});
