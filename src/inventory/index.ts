/**
 * The inventory layer's public API: load sources, pick hosts, merge their inventory-owned variables. Printing
 * (`--list`, `--graph`, `--host`) is in inventoryOutput.ts, loaded only by the commands that print.
 */
export type { Inventory, InventoryGroup, InventoryHost, InventoryVars } from './types.js';
export { LOCALHOST_NAMES } from './types.js';
export { loadInventory, type LoadInventoryOptions } from './loadInventory.js';
export { hostVariables, groupVariables, type HostVariablesOptions } from './hostVariables.js';
export { groupNamesOf, groupsMap, hostRecord, hostsOfGroup } from './hostGroups.js';
export { matchHosts, matchHostsWithWarnings, splitHostPattern, type HostMatch } from './hostPatterns.js';
