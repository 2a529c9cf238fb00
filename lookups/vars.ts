import { checkOptions, LookupError, UndefinedLookupVariable, type LookupPlugin } from './lookup.js';

/** `vars`: variables by name (`lookup('vars', 'pkg_' + x)`), templated; `default` for one that is undefined. */
export const varsLookup: LookupPlugin = {
  name: 'vars',
  run: (terms, options, context) => {
    checkOptions('vars', options, ['default']);
    return terms.map((term) => {
      if (typeof term !== 'string') throw new LookupError(`Invalid setting identifier, "${String(term)}" is not a string, its a ${Array.isArray(term) ? 'list' : typeof term}`);
      const value = context.variable(term);
      // Templated again, as Ansible's vars lookup does with what it finds.
      if (value !== undefined) return context.render(value);
      if ('default' in options && options['default'] !== null) return options['default'];
      throw new UndefinedLookupVariable(`No variable found with this name: ${term} ('${term}' is undefined)`);
    });
  },
};
