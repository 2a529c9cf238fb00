/**
 * Group membership as the engine's magic variables need it: `group_names`, `groups`, and the hosts of a
 * group in Ansible's order (the group's own hosts, then its children's, breadth first, no duplicates).
 */
import { ancestorsOf } from './inventoryBuilder.js';
import type { Inventory, InventoryGroup, InventoryHost } from './types.js';
import { LOCALHOST_NAMES } from './types.js';

/** Every group a host belongs to, directly or through children (includes `all` unless implicit). */
export function groupsOfHost(inventory: Inventory, hostName: string): string[] {
  const host = inventory.hosts.get(hostName);
  if (!host) return [];
  const result: string[] = [];
  for (const direct of host.groups) {
    for (const name of [direct, ...ancestorsOf(inventory, direct)]) if (!result.includes(name)) result.push(name);
  }
  return result;
}

/** Ansible's `group_names`: sorted, without `all`. */
export function groupNamesOf(inventory: Inventory, hostName: string): string[] {
  return groupsOfHost(inventory, hostName)
    .filter((name) => name !== 'all')
    .sort();
}

/** Hosts of a group including its descendants' hosts, in Ansible's get_hosts order. */
export function hostsOfGroup(inventory: Inventory, groupName: string): string[] {
  const group = inventory.groups.get(groupName);
  if (!group) return [];
  const ordered: InventoryGroup[] = [group];
  const seen = new Set<string>([group.name]);
  for (let i = 0; i < ordered.length; i++) {
    for (const child of ordered[i]!.children) {
      if (seen.has(child)) continue;
      seen.add(child);
      ordered.push(inventory.groups.get(child)!);
    }
  }
  const hosts: string[] = [];
  for (const member of ordered) {
    for (const host of member.hosts) {
      if (!hosts.includes(host) && !(groupName === 'all' && inventory.hosts.get(host)?.implicit)) hosts.push(host);
    }
  }
  return hosts;
}

/** Ansible's `groups` magic variable: every group (with `all` and `ungrouped`) to its host names. */
export function groupsMap(inventory: Inventory): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const name of inventory.groups.keys()) result[name] = hostsOfGroup(inventory, name);
  return result;
}

/**
 * The host record for a name, creating Ansible's implicit localhost (connection local, not in `all`)
 * when a localhost name is asked for and the inventory does not define it. Does not modify the inventory.
 */
export function hostRecord(inventory: Inventory, hostName: string): InventoryHost | undefined {
  const host = inventory.hosts.get(hostName);
  if (host) return host;
  if (!LOCALHOST_NAMES.has(hostName)) return undefined;
  const defined = [...inventory.hosts.values()].find((h) => LOCALHOST_NAMES.has(h.name));
  if (defined) return defined;
  return { name: hostName, vars: { ansible_connection: 'local' }, groups: [], implicit: true };
}
