import type { LookupPlugin } from './lookup.js';
import { flattenOnce } from './listTerms.js';

/** `indexed_items`: `[index, item]` pairs over the terms flattened one level (`with_indexed_items`). */
export const indexedItemsLookup: LookupPlugin = {
  name: 'indexed_items',
  run: (terms) => flattenOnce(terms).map((item, index) => [index, item]),
};
