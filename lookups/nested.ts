import { LookupError, type LookupPlugin } from './lookup.js';
import { flattenOnce, listify } from './listTerms.js';

/** `nested`: every combination of the lists' items, the first list varying slowest (`with_nested`). */
export const nestedLookup: LookupPlugin = {
  name: 'nested',
  run: (terms) => {
    const lists = terms.map(listify);
    if (lists.length === 0) throw new LookupError('with_nested requires at least one element in the nested list');
    let combined: unknown[] = lists[0]!;
    for (const list of lists.slice(1)) combined = combined.flatMap((left) => list.map((right) => flattenOnce([left, right])));
    return combined.map((combination) => flattenOnce(combination));
  },
};
