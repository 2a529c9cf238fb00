import { randomInt } from 'node:crypto';
import type { LookupPlugin } from './lookup.js';

/** `random_choice`: one of the terms, picked at random (no terms: no items). */
export const randomChoiceLookup: LookupPlugin = {
  name: 'random_choice',
  run: (terms) => (terms.length ? [terms[randomInt(terms.length)]] : []),
};
