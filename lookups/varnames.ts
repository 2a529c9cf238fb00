import { compilePythonRegex } from '../src/pythonRegex.js';
import { LookupError, textTerm, type LookupPlugin } from './lookup.js';

/** `varnames`: the names of the variables the task sees that match each term (a Python regex, searched). */
export const varnamesLookup: LookupPlugin = {
  name: 'varnames',
  run: (terms, _options, context) => {
    const names = context.variableNames();
    return terms.flatMap((term) => {
      const text = textTerm('varnames', term);
      let pattern: RegExp;
      try {
        pattern = compilePythonRegex(text);
      } catch (error) {
        throw new LookupError(`Unable to use "${text}" as a search parameter: ${(error as Error).message}`);
      }
      return names.filter((name) => pattern.test(name));
    });
  },
};
