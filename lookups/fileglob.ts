import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fnmatch } from '../src/core/fnmatch.js';
import { textTerm, type LookupPlugin } from './lookup.js';
import { findFile } from './searchPath.js';

/**
 * `fileglob`: controller files (not folders) whose name matches the term's last part (`*.conf`,
 * `files/*.j2`). A term with a folder finds that folder in the search path under `files/`; a bare
 * pattern is tried in each search path folder's `files/` and then the folder itself; the first folder
 * with a match gives the term's files. Names are sorted (Python's glob gives directory order).
 */
export const fileglobLookup: LookupPlugin = {
  name: 'fileglob',
  run: (terms, _options, context) =>
    terms.flatMap((term) => {
      const pattern = textTerm('fileglob', term);
      const name = basename(pattern);
      let folders: string[];
      if (name !== pattern) {
        const folder = findFile(context, 'files', dirname(pattern));
        if (folder === undefined) context.warn(`Unable to find '${dirname(pattern)}' in expected paths (use -vvvvv to see paths)`);
        folders = folder === undefined ? [] : [folder];
      } else {
        folders = context.searchPath.flatMap((folder) => [join(folder, 'files'), folder]);
      }
      for (const folder of folders) {
        const found = matchingFiles(folder, name);
        if (found.length) return found;
      }
      return [];
    }),
};

function matchingFiles(folder: string, pattern: string): string[] {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return [];
  }
  // As Python's glob, a wildcard does not match a leading dot.
  const hiddenOk = pattern.startsWith('.');
  return names
    .filter((name) => (hiddenOk || !name.startsWith('.')) && fnmatch(name, pattern))
    .sort()
    .map((name) => join(folder, name))
    .filter((path) => {
      try {
        return statSync(path).isFile();
      } catch {
        return false;
      }
    });
}
