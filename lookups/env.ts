import { checkOptions, textTerm, type LookupPlugin } from './lookup.js';

/** `env`: controller environment variables (the first word of each term); `default` (else '') when unset. */
export const envLookup: LookupPlugin = {
  name: 'env',
  run: (terms, options) => {
    checkOptions('env', options, ['default']);
    const fallback = 'default' in options ? options['default'] : '';
    return terms.map((term) => {
      const name = textTerm('env', term).trim().split(/\s+/)[0] ?? '';
      const value = process.env[name];
      return value === undefined ? fallback : value;
    });
  },
};
