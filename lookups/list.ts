import type { LookupPlugin } from './lookup.js';

/** `list`: the terms as they are (`with_list` loops over a list of lists without flattening it). */
export const listLookup: LookupPlugin = {
  name: 'list',
  run: (terms) => terms,
};
