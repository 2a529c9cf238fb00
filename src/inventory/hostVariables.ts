/**
 * The variables the inventory layer owns for one host, merged in ansible-core's default order
 * (lowest first; a later value replaces an earlier one whole, dicts included):
 *   1. `all` group vars from inventory files, then the host's other groups by (depth, priority, name)
 *   2. inventory group_vars/all, then playbook group_vars/all
 *   3. inventory group_vars/<group>, then playbook group_vars/<group> (groups in the same order)
 *   4. inventory file host vars, inventory host_vars/<host>, playbook host_vars/<host>
 * Magic variables (inventory_hostname, groups, group_names, ...) are the engine's to add.
 */
import path from 'node:path';
import { groupsOfHost, hostRecord } from './hostGroups.js';
import type { Inventory, InventoryGroup, InventoryVars } from './types.js';
import { varsFromFolder } from './varsFiles.js';

export interface HostVariablesOptions {
  /** Folder of the playbook being run: its group_vars/ and host_vars/ apply too. */
  playbookDir?: string;
}

/** Ansible's sort_groups: shallow groups first, then by priority, then by name. */
function sortGroups(groups: InventoryGroup[]): InventoryGroup[] {
  return [...groups].sort((a, b) => a.depth - b.depth || a.priority - b.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function hostVariables(inventory: Inventory, hostName: string, options: HostVariablesOptions = {}): InventoryVars {
  const host = hostRecord(inventory, hostName);
  if (!host) return {};
  const all = inventory.groups.get('all')!;
  const groups = sortGroups(
    groupsOfHost(inventory, host.name)
      .filter((name) => name !== 'all')
      .map((name) => inventory.groups.get(name)!),
  );
  const playbookDirs = options.playbookDir ? [path.resolve(options.playbookDir)] : [];
  const fromFolders = (dirs: string[], subdir: 'group_vars' | 'host_vars', names: string[]): InventoryVars => {
    const merged: InventoryVars = {};
    for (const dir of dirs) for (const name of names) Object.assign(merged, varsFromFolder(dir, subdir, name));
    return merged;
  };
  const groupNames = groups.map((g) => g.name);
  return Object.assign(
    {},
    all.vars,
    ...groups.map((g) => g.vars),
    fromFolders(inventory.varsDirs, 'group_vars', ['all']),
    fromFolders(playbookDirs, 'group_vars', ['all']),
    fromFolders(inventory.varsDirs, 'group_vars', groupNames),
    fromFolders(playbookDirs, 'group_vars', groupNames),
    host.vars,
    fromFolders(inventory.varsDirs, 'host_vars', [host.name]),
    fromFolders(playbookDirs, 'host_vars', [host.name]),
  ) as InventoryVars;
}

/** A group's own variables as ansible-inventory shows them: inventory file vars, then group_vars files. */
export function groupVariables(inventory: Inventory, groupName: string): InventoryVars {
  const group = inventory.groups.get(groupName);
  if (!group) return {};
  const merged: InventoryVars = { ...group.vars };
  for (const dir of inventory.varsDirs) Object.assign(merged, varsFromFolder(dir, 'group_vars', groupName));
  if (group.priority !== 1) merged.ansible_group_priority = group.priority;
  return merged;
}
