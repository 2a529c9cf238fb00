import { LookupError, textTerm, type LookupPlugin } from './lookup.js';
import { readControllerText } from './file.js';
import { findFile } from './searchPath.js';

/**
 * `unvault`: a controller file's text, found as the `file` lookup finds it, not stripped. playtree has no
 * vault: a vault-encrypted file is an error saying so.
 */
export const unvaultLookup: LookupPlugin = {
  name: 'unvault',
  run: (terms, _options, context) =>
    terms.map((term) => {
      const name = textTerm('unvault', term);
      const path = findFile(context, 'files', name);
      if (path === undefined) throw new LookupError(`Unable to find file matching "${name}" `);
      const text = readControllerText(path);
      if (text.startsWith('$ANSIBLE_VAULT;')) throw new LookupError(`${path} is vault-encrypted: playtree does not support vault`);
      return text;
    }),
};
