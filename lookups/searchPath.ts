import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, normalize } from 'node:path';
import type { LookupContext } from './lookup.js';

/**
 * Where a lookup finds a file it is given by a relative name, as Ansible's find_file_in_search_path:
 * each folder of the search path, first with the subfolder (`files`, `templates`, `vars`) and then
 * without, and the playbook's folder last. An absolute or `~` path is taken as it is.
 */
export function searchCandidates(context: LookupContext, subdir: string, needle: string): string[] {
  if (needle.startsWith('~')) return [normalize(needle.replace(/^~(?=$|\/)/, homedir()))];
  if (isAbsolute(needle)) return [normalize(needle)];
  // Ansible does not add the subfolder when the name already starts with it (`files/x`).
  const withSubdir = needle.split('/')[0] !== subdir;
  const candidates: string[] = [];
  for (const folder of [...context.searchPath, context.baseDir]) {
    if (withSubdir) candidates.push(join(folder, subdir, needle));
    candidates.push(join(folder, needle));
  }
  return [...new Set(candidates)];
}

/** The first existing candidate, or undefined. */
export function findFile(context: LookupContext, subdir: string, needle: string): string | undefined {
  return searchCandidates(context, subdir, needle).find((candidate) => existsSync(candidate));
}
