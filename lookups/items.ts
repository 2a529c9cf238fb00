import type { LookupPlugin } from './lookup.js';
import { flattenOnce } from './listTerms.js';

/** `items`: the terms, lists among them flattened one level (`with_items`). */
export const itemsLookup: LookupPlugin = {
  name: 'items',
  run: (terms) => flattenOnce(terms),
};
