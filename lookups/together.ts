import { LookupError, type LookupPlugin } from './lookup.js';
import { flattenOnce, listify } from './listTerms.js';

/** `together`: the lists zipped, shorter ones padded with None (Python's zip_longest), `with_together`. */
export const togetherLookup: LookupPlugin = {
  name: 'together',
  run: (terms) => {
    const lists = terms.map(listify);
    if (lists.length === 0) throw new LookupError('with_together requires at least one element in each list');
    const length = Math.max(...lists.map((list) => list.length));
    return Array.from({ length }, (_, i) => flattenOnce(lists.map((list) => (i < list.length ? list[i] : null))));
  },
};
