import type { Connection } from '../../connections/connection.js';
import type { Task } from '../playbook/types.js';
import { emptyStats, type HostStats } from './events.js';

/** What the engine keeps about one host for the whole run. */
export interface HostState {
  name: string;
  /** Inventory-layer variables (inventory file, group_vars, host_vars), as loaded. */
  inventoryVars: Record<string, unknown>;
  /** `group_names`, worked out again when group_by or add_host change the inventory (inventoryChanges.ts). */
  groupNames: string[];
  /** Gathered facts, without the `ansible_` prefix (as in `ansible_facts`). */
  facts: Record<string, unknown>;
  /** Facts a module returned without the prefix (getent's `getent_passwd`): variables by that bare name. */
  bareFacts: Set<string>;
  /** `include_vars` results: above task vars, below set_fact (Ansible's vars cache). */
  includedVars: Record<string, unknown>;
  /** `set_fact` and `register` results: they outrank play, role and task vars and include_vars. */
  setFacts: Record<string, unknown>;
  /** The open connection, created at the host's first command that needs the target. */
  connection?: Connection;
  /** Connections to the hosts its tasks were delegated to (`delegate_to`), by host name. */
  delegated: Map<string, Connection>;
  /** The host failed (or was unreachable) and takes no further part in the run. */
  failed: boolean;
  unreachable: boolean;
  stats: HostStats;
  /**
   * The task running on this host has `no_log`: its connections' and module's -vvv lines (which hold the
   * commands, hence the arguments) are not printed. One task runs on a host at a time.
   */
  noLog: boolean;
  /** The handlers notified in the current play and not run yet. */
  notified: Set<Task>;
}

export function newHostState(name: string, inventoryVars: Record<string, unknown>, groupNames: string[]): HostState {
  return {
    name,
    inventoryVars,
    groupNames,
    facts: {},
    bareFacts: new Set(),
    includedVars: {},
    setFacts: {},
    delegated: new Map(),
    failed: false,
    unreachable: false,
    noLog: false,
    stats: emptyStats(),
    notified: new Set(),
  };
}
