import { readFileSync } from 'node:fs';
import { toBoolean } from '../src/core/boolean.js';
import { plainFileBytes, VaultError } from '../src/core/vaultKeyring.js';
import { checkOptions, LookupError, textTerm, type LookupPlugin } from './lookup.js';
import { findFile } from './searchPath.js';

/**
 * `file`: the text of controller files, found in the search path under `files/` (a role's, the task
 * file's folder, the playbook's). `rstrip` (default true) and `lstrip` (default false) trim whitespace.
 */
export const fileLookup: LookupPlugin = {
  name: 'file',
  run: (terms, options, context) => {
    checkOptions('file', options, ['rstrip', 'lstrip']);
    const rstrip = toBoolean(options['rstrip'] ?? true) ?? true;
    const lstrip = toBoolean(options['lstrip'] ?? false) ?? false;
    return terms.map((term) => {
      const name = textTerm('file', term);
      const path = findFile(context, 'files', name);
      if (path === undefined) throw new LookupError(`could not locate file in lookup: ${name}`);
      let text = readControllerText(path, 'utf-8', true);
      if (rstrip) text = text.replace(/\s+$/, '');
      if (lstrip) text = text.replace(/^\s+/, '');
      return text;
    });
  },
};

/**
 * A controller file's text (in `encoding`, utf-8 unless said); a file that cannot be read is a lookup error
 * naming it. With `decryptVault` (the file and unvault lookups, as Ansible's), a vault-encrypted file is
 * decrypted with the run's vault passwords.
 */
export function readControllerText(path: string, encoding = 'utf-8', decryptVault = false): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new LookupError(`could not read file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  if (decryptVault) {
    try {
      bytes = plainFileBytes(bytes, path);
    } catch (error) {
      if (error instanceof VaultError) throw new LookupError(error.message);
      throw error;
    }
  }
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(encoding.toLowerCase().replace(/_/g, '-'));
  } catch {
    throw new LookupError(`unknown encoding: ${encoding}`);
  }
  return decoder.decode(bytes);
}
