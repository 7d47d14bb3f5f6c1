import { z } from 'zod';
import { defineStrategy } from './strategy.js';

/** `live` goes straight to the new version: no weights, no bake. */
export const allAtOnce = defineStrategy({
  name: 'all-at-once',
  parameters: () => z.object({}),
  plan: () => ({ schedule: [], intervalSeconds: 0, hold: false }),
});
