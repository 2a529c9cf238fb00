/**
 * Mutations used while reading sources, mirroring ansible-core's InventoryData: add_group, add_host,
 * add_child (with its loop check) and reconcile_inventory (orphans under `all`, `ungrouped` membership).
 * Parsers call these; everything after loading only reads the plain data.
 */
import path from 'node:path';
import type { Inventory, InventoryGroup, InventoryHost } from './types.js';

/** Thrown for a group loop; parsers turn it into a ParseError at the line that closed the loop. */
export class GroupLoopError extends Error {}

export function emptyInventory(): Inventory {
  const inventory: Inventory = { hosts: new Map(), groups: new Map(), sources: [], varsDirs: [], warnings: [] };
  addGroup(inventory, 'all');
  addGroup(inventory, 'ungrouped');
  addChildGroup(inventory, 'all', 'ungrouped');
  return inventory;
}

export function addGroup(inventory: Inventory, name: string): InventoryGroup {
  let group = inventory.groups.get(name);
  if (!group) {
    group = { name, hosts: [], children: [], parents: [], vars: {}, depth: 0, priority: 1 };
    inventory.groups.set(name, group);
  }
  return group;
}

/**
 * Adds a host (first definition wins its port and inventory_file) and puts it in `groupName` if given.
 * Like Ansible, `inventory_file`/`inventory_dir` name the first source the host appeared in.
 */
export function addHost(
  inventory: Inventory,
  name: string,
  groupName: string | undefined,
  port: number | undefined,
  source: string | undefined,
): InventoryHost {
  let host = inventory.hosts.get(name);
  if (!host) {
    host = { name, vars: {}, groups: [] };
    if (port !== undefined) host.vars.ansible_port = port;
    host.vars.inventory_file = source ?? null;
    host.vars.inventory_dir = source ? path.dirname(source) : null;
    inventory.hosts.set(name, host);
  }
  if (groupName !== undefined) {
    const group = inventory.groups.get(groupName) ?? addGroup(inventory, groupName);
    if (!group.hosts.includes(name)) {
      group.hosts.push(name);
      host.groups.push(groupName);
    }
  }
  return host;
}

/** Sets a host or group variable; `ansible_group_priority` sets the group's priority as Ansible does. */
export function setVariable(inventory: Inventory, entity: string, key: string, value: unknown): void {
  const group = inventory.groups.get(entity);
  if (group) {
    if (key === 'ansible_group_priority') group.priority = Number.parseInt(String(value), 10);
    else group.vars[key] = value;
    return;
  }
  const host = inventory.hosts.get(entity);
  if (!host) throw new Error(`Could not identify group or host named ${entity}`);
  host.vars[key] = value;
}

/** All groups above `name` (not including it). */
export function ancestorsOf(inventory: Inventory, name: string): Set<string> {
  const seen = new Set<string>();
  const queue = [...(inventory.groups.get(name)?.parents ?? [])];
  while (queue.length > 0) {
    const next = queue.shift()!;
    if (seen.has(next)) continue;
    seen.add(next);
    queue.push(...(inventory.groups.get(next)?.parents ?? []));
  }
  return seen;
}

export function addChildGroup(inventory: Inventory, parentName: string, childName: string): void {
  const parent = addGroup(inventory, parentName);
  const child = addGroup(inventory, childName);
  if (parent === child) throw new GroupLoopError(`can't add group '${childName}' to itself`);
  if (parent.children.includes(childName)) return;
  if (parentName === childName || ancestorsOf(inventory, parentName).has(childName)) {
    throw new GroupLoopError(
      `Adding group '${childName}' as child to '${parentName}' creates a recursive dependency loop.`,
    );
  }
  parent.children.push(childName);
  if (!child.parents.includes(parentName)) child.parents.push(parentName);
}

/** Ansible's reconcile_inventory plus depth: run once after all sources are read. */
export function reconcileInventory(inventory: Inventory): void {
  for (const group of inventory.groups.values()) {
    if (group.name !== 'all' && ancestorsOf(inventory, group.name).size === 0) {
      addChildGroup(inventory, 'all', group.name);
    }
  }
  const ungrouped = inventory.groups.get('ungrouped')!;
  for (const host of inventory.hosts.values()) {
    const direct = host.groups;
    if (direct.includes('ungrouped')) {
      // a host listed before any section and also in a real group is not "ungrouped"
      if (direct.some((g) => g !== 'all' && g !== 'ungrouped')) {
        ungrouped.hosts = ungrouped.hosts.filter((h) => h !== host.name);
        host.groups = direct.filter((g) => g !== 'ungrouped');
      }
    } else if (!host.implicit && direct.every((g) => g === 'all')) {
      addHost(inventory, host.name, 'ungrouped', undefined, undefined);
    }
  }
  for (const name of inventory.hosts.keys()) {
    if (inventory.groups.has(name)) inventory.warnings.push(`Found both group and host with same name: ${name}`);
  }
  computeDepths(inventory);
}

function computeDepths(inventory: Inventory): void {
  const depthOf = new Map<string, number>();
  const visit = (name: string): number => {
    const known = depthOf.get(name);
    if (known !== undefined) return known;
    const group = inventory.groups.get(name)!;
    const depth = group.parents.length === 0 ? 0 : Math.max(...group.parents.map((p) => visit(p) + 1));
    depthOf.set(name, depth);
    return depth;
  };
  for (const group of inventory.groups.values()) group.depth = visit(group.name);
}
