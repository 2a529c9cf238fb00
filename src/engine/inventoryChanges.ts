import type { ModuleResult } from '../../modules/module.js';
import { groupNamesOf, groupsMap, hostVariables } from '../inventory/index.js';
import { addChildGroup, addGroup, addHost, GroupLoopError, reconcileInventory } from '../inventory/inventoryBuilder.js';
import { ensureHost, type RunContext } from './context.js';


/**
 * group_by and add_host change the run's inventory, as ansible-core's strategy does with their results
 * (`add_group`/`parent_groups`, `add_host`): the module only says what it wants; the engine applies it here,
 * then refreshes `groups`, each host's `group_names` and the inventory variables of the hosts whose groups
 * changed (group_vars of a new group apply). Later plays match their patterns against the changed inventory.
 */
export function applyInventoryChanges(run: RunContext, hostName: string, result: ModuleResult): ModuleResult {
  if (result.failed || result.skipped) return result;
  const addedHost = result['add_host'];
  const addedGroup = result['add_group'];
  try {
    if (addedHost && typeof addedHost === 'object') {
      const changed = addDynamicHost(run, addedHost as DynamicHost);
      refresh(run, [(addedHost as DynamicHost).host_name]);
      return { ...result, changed };
    }
    if (typeof addedGroup === 'string') {
      addDynamicGroup(run, hostName, addedGroup, Array.isArray(result['parent_groups']) ? (result['parent_groups'] as string[]) : []);
      refresh(run, [hostName]);
    }
  } catch (error) {
    if (error instanceof GroupLoopError) return { ...result, changed: false, failed: true, msg: error.message };
    throw error;
  }
  return result;
}

interface DynamicHost {
  host_name: string;
  groups: string[];
  host_vars: Record<string, unknown>;
}

/** ansible-core's add_dynamic_host: changed when the host, a variable or a group membership is new. */
function addDynamicHost(run: RunContext, info: DynamicHost): boolean {
  const inventory = run.inventory;
  let changed = false;
  let host = inventory.hosts.get(info.host_name);
  if (!host || host.implicit) {
    inventory.hosts.delete(info.host_name);
    host = addHost(inventory, info.host_name, 'all', undefined, undefined);
    changed = true;
  }
  for (const [key, value] of Object.entries(info.host_vars)) {
    if (JSON.stringify(host.vars[key]) !== JSON.stringify(value)) changed = true;
    host.vars[key] = value;
  }
  for (const group of info.groups) {
    if (!inventory.groups.has(group)) changed = true;
    if (!inventory.groups.get(group)?.hosts.includes(info.host_name)) changed = true;
    addHost(inventory, info.host_name, group, undefined, undefined);
  }
  return changed;
}

/** ansible-core's add_dynamic_group: the group (under its parents) gets the host. */
function addDynamicGroup(run: RunContext, hostName: string, group: string, parents: string[]): void {
  const inventory = run.inventory;
  addGroup(inventory, group);
  for (const parent of parents) addChildGroup(inventory, parent, group);
  // The implicit localhost is not in the inventory's hosts until something puts it in a group.
  if (!inventory.hosts.has(hostName)) addHost(inventory, hostName, undefined, undefined, undefined);
  addHost(inventory, hostName, group, undefined, undefined);
}

function refresh(run: RunContext, touched: string[]): void {
  const warnings = run.inventory.warnings.length;
  reconcileInventory(run.inventory);
  // The load's warnings were printed already; reconciling again must not add them twice.
  run.inventory.warnings.length = warnings;
  run.groups = groupsMap(run.inventory);
  for (const name of touched) ensureHost(run, name);
  for (const host of run.hosts.values()) {
    const names = groupNamesOf(run.inventory, host.name);
    if (touched.includes(host.name) || names.join('\0') !== host.groupNames.join('\0')) {
      host.groupNames = names;
      host.inventoryVars = hostVariables(run.inventory, host.name, { playbookDir: run.playbook.dir });
    }
  }
}
