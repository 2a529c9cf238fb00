import { matchHosts } from '../src/inventory/hostPatterns.js';
import type { Inventory } from '../src/inventory/types.js';
import { isMappingValue, textTerm, type LookupPlugin } from './lookup.js';

/**
 * `inventory_hostnames`: the inventory hosts that host patterns match (`all:!web`, `web[0]`, `~db.*`),
 * worked out from the `groups` variable as Ansible's lookup does (an unmatched pattern gives no hosts).
 */
export const inventoryHostnamesLookup: LookupPlugin = {
  name: 'inventory_hostnames',
  run: (terms, _options, context) => {
    const inventory = inventoryOfGroups(context.variable('groups'));
    return matchHosts(inventory, terms.map((term) => textTerm('inventory_hostnames', term)).join(','));
  },
};

/** A flat inventory: each group with the hosts `groups` lists for it (children already included there). */
function inventoryOfGroups(groups: unknown): Inventory {
  const inventory: Inventory = { hosts: new Map(), groups: new Map(), sources: [], varsDirs: [], warnings: [] };
  if (!isMappingValue(groups)) return inventory;
  for (const [name, members] of Object.entries(groups)) {
    const hosts = Array.isArray(members) ? members.map(String) : [];
    inventory.groups.set(name, { name, hosts, children: [], parents: [], vars: {}, depth: name === 'all' ? 0 : 1, priority: 1 });
    for (const host of hosts) {
      const known = inventory.hosts.get(host);
      if (known) known.groups.push(name);
      else inventory.hosts.set(host, { name: host, vars: {}, groups: [name] });
    }
  }
  return inventory;
}
