import { isMappingValue, LookupError, type LookupPlugin } from './lookup.js';

/** `dict`: each dict term becomes its `{key, value}` pairs, in order (`with_dict`). */
export const dictLookup: LookupPlugin = {
  name: 'dict',
  run: (terms) =>
    terms.flatMap((term) => {
      if (!isMappingValue(term)) throw new LookupError('with_dict expects a dict');
      return Object.entries(term).map(([key, value]) => ({ key, value }));
    }),
};
