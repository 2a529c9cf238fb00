import { compilePythonRegex } from '../src/core/pythonRegex.js';
import { pyStr, pyTypeName } from '../src/core/pythonValues.js';
import { LookupError, type LookupPlugin } from './lookup.js';

/** `varnames`: the names of the variables the task sees that match each term (a Python regex, searched). */
export const varnamesLookup: LookupPlugin = {
  name: 'varnames',
  run: (terms, _options, context) => {
    const names = context.variableNames();
    return terms.flatMap((term) => {
      if (typeof term !== 'string') throw new LookupError(`Invalid setting identifier, "${pyStr(term)}" is not a string, it is a <class '${pyTypeName(term)}'>`);
      let pattern: RegExp;
      try {
        pattern = compilePythonRegex(term);
      } catch (error) {
        // Python's wording is the reason alone, in lower case ("nothing to repeat").
        const reason = /: ([^:]+); write it in Python/.exec((error as Error).message)?.[1] ?? (error as Error).message;
        throw new LookupError(`Unable to use "${term}" as a search parameter: ${reason.charAt(0).toLowerCase()}${reason.slice(1)}`);
      }
      return names.filter((name) => pattern.test(name));
    });
  },
};
