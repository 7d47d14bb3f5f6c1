import { z } from 'zod';
import { fraction, roundWeight } from './parameters.js';
import { defineStrategy } from './strategy.js';

/** An A/B experiment: one weight, held (no bake, no gate) until a promote or abort command. */
export const ab = defineStrategy({
  name: 'ab',
  parameters: (d) => z.object({ weight: fraction('weight').default(d.weight) }),
  plan: (p) => ({ schedule: [roundWeight(p.weight)], intervalSeconds: 0, hold: true }),
});
