/**
 * `group_vars/` and `host_vars/` beside an inventory or a playbook, found as ansible-core's
 * host_group_vars plugin finds them: `NAME`, `NAME.yml`, `NAME.yaml` or `NAME.json` (first that exists),
 * or a folder `NAME/` whose files (recursively, sorted, skipping hidden and `~` files) merge in order.
 * Names starting with `/` (chroot-style hosts such as /var/tmp/live) never read host_vars, as in Ansible.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ParseError } from '../core/errors.js';
import type { InventoryVars } from './types.js';
import { readYamlMapping } from './yamlInventory.js';

const EXTENSIONS = ['', '.yml', '.yaml', '.json'];

/** Cache of parsed files for one process: hostVariables runs once per host and reads the same files. */
const parsedFiles = new Map<string, InventoryVars>();

function kindOf(file: string): 'dir' | 'file' | undefined {
  try {
    const stats = statSync(file);
    return stats.isDirectory() ? 'dir' : stats.isFile() ? 'file' : undefined;
  } catch {
    return undefined;
  }
}

function filesInFolder(folder: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(folder).sort()) {
    if (entry.startsWith('.') || entry.endsWith('~')) continue;
    const full = path.join(folder, entry);
    const extension = path.extname(entry);
    const kind = kindOf(full);
    if (kind === 'dir' && !extension) found.push(...filesInFolder(full));
    else if (kind === 'file' && (!extension || EXTENSIONS.includes(extension))) found.push(full);
  }
  return found;
}

/** The files that hold variables for `name` under `folder` (e.g. <inv>/group_vars), in merge order. */
function varsFilesFor(folder: string, name: string): string[] {
  if (name.startsWith('/')) return [];
  for (const extension of EXTENSIONS) {
    const candidate = path.join(folder, name + extension);
    const kind = kindOf(candidate);
    if (kind === 'dir') return filesInFolder(candidate);
    if (kind === 'file') return [candidate];
  }
  return [];
}

function readVarsFile(file: string): InventoryVars {
  const cached = parsedFiles.get(file);
  if (cached) return cached;
  const text = readFileSync(file, 'utf8');
  let data: InventoryVars | undefined = {};
  if (text.trim() !== '') {
    data = readYamlMapping(text, file);
    if (data === undefined) {
      throw new ParseError(`variables file must hold a mapping (key: value lines)`, { file, line: 1, column: 1 });
    }
  }
  parsedFiles.set(file, data);
  return data;
}

/** Variables for one group or host from `<baseDir>/group_vars` or `<baseDir>/host_vars`; later files win. */
export function varsFromFolder(baseDir: string, subdir: 'group_vars' | 'host_vars', name: string): InventoryVars {
  const folder = path.join(baseDir, subdir);
  if (kindOf(folder) !== 'dir') return {};
  const merged: InventoryVars = {};
  for (const file of varsFilesFor(folder, name)) Object.assign(merged, readVarsFile(file));
  return merged;
}
