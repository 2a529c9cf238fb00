/**
 * The inventory as plain data: what `loadInventory` returns and every other inventory function reads.
 * Maps keep Ansible's insertion order (a plain object would move integer-like names such as `10` first).
 */

export type InventoryVars = Record<string, unknown>;

export interface InventoryHost {
  name: string;
  /** Variables set by inventory sources for this host (host lines, YAML `hosts:` entries, `host:port`). */
  vars: InventoryVars;
  /** Groups the host was put in directly, in the order it happened (no ancestors). */
  groups: string[];
  /** True only for Ansible's implicit localhost, which is never a member of `all`. */
  implicit?: boolean;
}

export interface InventoryGroup {
  name: string;
  /** Hosts put in this group directly, in order. */
  hosts: string[];
  /** Direct child groups, in order. */
  children: string[];
  /** Direct parent groups, in order. */
  parents: string[];
  vars: InventoryVars;
  /** Longest path from `all` (all = 0); Ansible sorts group vars by (depth, priority, name). */
  depth: number;
  /** `ansible_group_priority`, 1 unless set. */
  priority: number;
}

export interface Inventory {
  hosts: Map<string, InventoryHost>;
  groups: Map<string, InventoryGroup>;
  /**
   * The inventory sources as given (after resolving against cwd); folders whose `group_vars/` and
   * `host_vars/` belong to the inventory are derived from these (a file's folder, or the folder itself).
   */
  sources: string[];
  /** Folders read for inventory-adjacent group_vars/host_vars, in source order. */
  varsDirs: string[];
  /** Non-fatal findings in Ansible's wording (e.g. "Unable to parse X as an inventory source"). */
  warnings: string[];
}

/** Names Ansible treats as the local machine (C.LOCALHOST). */
export const LOCALHOST_NAMES: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '::1']);
