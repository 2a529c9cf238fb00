/**
 * Reads every `-i` source in order into one Inventory, as ansible-core's InventoryManager does:
 * a comma list (`h1,h2,`) is a host list, a folder contributes its files in sorted order (skipping the
 * names Ansible's inventory_ignore skips), a `.yml`/`.yaml`/`.json` or extension-less file holding a
 * mapping is a YAML inventory, anything else is INI. A missing source is a warning, as in Ansible, and
 * then only the implicit localhost exists.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ParseError } from '../core/errors.js';
import { plainFileBytes } from '../core/vaultKeyring.js';
import { parseAddress } from './hostAddress.js';
import { parseIniInventory } from './iniInventory.js';
import { addHost, emptyInventory, reconcileInventory } from './inventoryBuilder.js';
import type { Inventory } from './types.js';
import { parseYamlInventory, readYamlMapping } from './yamlInventory.js';

/** Ansible's IGNORED_ALWAYS plus the default INVENTORY_IGNORE_EXTS (note: `.ini` files in a folder are skipped). */
const IGNORED_IN_FOLDER =
  /^\.|^host_vars$|^group_vars$|^vars_plugins$|(?:\.pyc|\.pyo|\.swp|\.bak|~|\.rpm|\.md|\.txt|\.rst|\.orig|\.ini|\.cfg|\.retry)$/;
const YAML_EXTENSIONS = new Set(['', '.yml', '.yaml', '.json']);

export interface LoadInventoryOptions {
  /** Folder relative sources are resolved against; defaults to process.cwd(). */
  cwd?: string;
}

export async function loadInventory(sources: string[], options: LoadInventoryOptions = {}): Promise<Inventory> {
  const cwd = options.cwd ?? process.cwd();
  const inventory = emptyInventory();
  let parsedAny = false;
  for (const source of sources) {
    if (source.includes(',') && !existsSync(path.resolve(cwd, source))) {
      readHostList(inventory, source);
      inventory.sources.push(source);
      parsedAny = true;
      continue;
    }
    const full = path.resolve(cwd, source);
    inventory.sources.push(full);
    if (!existsSync(full)) {
      inventory.warnings.push(`Unable to parse ${full} as an inventory source`);
      continue;
    }
    const isFolder = statSync(full).isDirectory();
    inventory.varsDirs.push(isFolder ? full : path.dirname(full));
    if (readSource(inventory, full)) parsedAny = true;
  }
  if (!parsedAny) inventory.warnings.push('No inventory was parsed, only implicit localhost is available');
  reconcileInventory(inventory);
  return inventory;
}

/** ansible-core's host_list plugin: each comma-separated item is a host, `name:port` sets the port. */
function readHostList(inventory: Inventory, list: string): void {
  for (const item of list.split(',')) {
    const text = item.trim();
    if (!text) continue;
    const address = parseAddress(text, false) ?? { host: text };
    if (!inventory.hosts.has(address.host)) addHost(inventory, address.host, 'ungrouped', address.port, undefined);
  }
}

/** Reads a file or folder; true when at least one inventory file was read. */
function readSource(inventory: Inventory, source: string): boolean {
  if (statSync(source).isDirectory()) {
    let parsed = false;
    for (const entry of readdirSync(source).sort()) {
      if (IGNORED_IN_FOLDER.test(entry)) continue;
      if (readSource(inventory, path.join(source, entry))) parsed = true;
    }
    return parsed;
  }
  if (!statSync(source).isFile()) {
    // a FIFO would block for ever and /dev/zero never ends: only regular files are inventories
    throw new ParseError('an inventory source must be a regular file or folder, not a device, FIFO or socket', { file: source, line: 1, column: 1 });
  }
  // An inventory may be vault-encrypted as a whole, as Ansible's loader allows.
  const text = plainFileBytes(readFileSync(source), source).toString('utf8');
  const extension = path.extname(source);
  if (YAML_EXTENSIONS.has(extension)) {
    const data = extension ? readYamlMapping(text, source) : tryYamlMapping(text, source);
    if (data) {
      parseYamlInventory(inventory, data, source);
      return true;
    }
    if (extension) {
      throw new ParseError('YAML inventory must be a mapping of groups (e.g. all: hosts: ...)', { file: source, line: 1, column: 1 });
    }
  }
  parseIniInventory(inventory, text, source);
  return true;
}

/** Extension-less files may be YAML or INI; Ansible tries YAML first and falls back to INI. */
function tryYamlMapping(text: string, source: string): Record<string, unknown> | undefined {
  try {
    return readYamlMapping(text, source);
  } catch (error) {
    if (error instanceof ParseError) return undefined;
    throw error;
  }
}
