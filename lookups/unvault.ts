import { LookupError, textTerm, type LookupPlugin } from './lookup.js';
import { readControllerText } from './file.js';
import { findFile } from './searchPath.js';

/**
 * `unvault`: a controller file's text, found as the `file` lookup finds it, not stripped; a vault-encrypted
 * file is decrypted with the run's vault passwords.
 */
export const unvaultLookup: LookupPlugin = {
  name: 'unvault',
  run: (terms, _options, context) =>
    terms.map((term) => {
      const name = textTerm('unvault', term);
      const path = findFile(context, 'files', name);
      if (path === undefined) throw new LookupError(`Unable to find file matching "${name}" `);
      return readControllerText(path, 'utf-8', true);
    }),
};
