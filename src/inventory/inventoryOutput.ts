/**
 * What `playtree inventory` prints, in the shape and order of `ansible-inventory`: `--list` JSON
 * (keys sorted, 4-space indent), `--host` JSON, and the `--graph` tree.
 */
import { PlaytreeError } from '../core/errors.js';
import { matchHosts } from './hostPatterns.js';
import { hostsOfGroup } from './hostGroups.js';
import { groupVariables, hostVariables, type HostVariablesOptions } from './hostVariables.js';
import { pyStr } from '../core/pythonValues.js';
import type { Inventory, InventoryVars } from './types.js';

/** Variables ansible-inventory leaves out because Ansible sets them itself. */
const INTERNAL_VARS = new Set([
  'ansible_diff_mode', 'ansible_config_file', 'ansible_facts', 'ansible_forks', 'ansible_inventory_sources',
  'ansible_limit', 'ansible_playbook_python', 'ansible_run_tags', 'ansible_skip_tags', 'ansible_verbosity',
  'ansible_version', 'inventory_dir', 'inventory_file', 'inventory_hostname', 'inventory_hostname_short',
  'groups', 'group_names', 'omit', 'playbook_dir',
]);

export interface InventoryOutputOptions extends HostVariablesOptions {
  /**
   * Only these hosts appear (`-l/--limit`, already matched); groups left without hosts or children are
   * dropped from `--list`, as ansible-inventory does. Without it, every host appears.
   */
  onlyHosts?: ReadonlySet<string>;
}

export interface InventoryGraphOptions extends InventoryOutputOptions {
  /** `--vars`: each host's variables under it and each group's own variables after its members. */
  vars?: boolean;
}

function withoutInternal(vars: InventoryVars): InventoryVars {
  return Object.fromEntries(Object.entries(vars).filter(([key]) => !INTERNAL_VARS.has(key)));
}

/** The object `ansible-inventory --list` prints (before JSON formatting). */
export function inventoryListJson(inventory: Inventory, options: InventoryOutputOptions = {}): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  const seen = new Set<string>();
  const formatGroup = (name: string): void => {
    const group = inventory.groups.get(name)!;
    const entry: Record<string, unknown> = {};
    const hosts = group.hosts.filter((host) => options.onlyHosts?.has(host) ?? true);
    if (name !== 'all' && hosts.length > 0) entry.hosts = hosts;
    if (group.children.length > 0) entry.children = [...group.children];
    if (Object.keys(entry).length > 0) result[name] = entry;
    for (const child of group.children) {
      if (seen.has(child)) continue;
      seen.add(child);
      formatGroup(child);
    }
  };
  formatGroup('all');
  const hostvars: Record<string, unknown> = {};
  for (const host of hostsOfGroup(inventory, 'all')) {
    if (options.onlyHosts && !options.onlyHosts.has(host)) continue;
    const vars = withoutInternal(hostVariables(inventory, host, options));
    if (Object.keys(vars).length > 0) hostvars[host] = vars;
  }
  result._meta = { hostvars };
  return result;
}

/** The object `ansible-inventory --host H` prints; the name must match exactly one host. */
export function inventoryHostJson(inventory: Inventory, host: string, options: InventoryOutputOptions = {}): InventoryVars {
  const hosts = matchHosts(inventory, host);
  if (hosts.length !== 1) throw new PlaytreeError(`--host needs a pattern matching exactly one host; '${host}' matches ${hosts.length}`);
  return withoutInternal(hostVariables(inventory, hosts[0]!, options));
}

/**
 * The `--graph` text (no trailing newline), starting at `group` (default `all`). With `vars`, variables are
 * `{name = value}` lines sorted by name, values as Python's str() prints them, as `ansible-inventory --vars`.
 */
export function inventoryGraph(inventory: Inventory, group = 'all', options: InventoryGraphOptions = {}): string {
  if (!inventory.groups.has(group)) throw new PlaytreeError(`Pattern must be valid group name when using --graph; '${group}' is not a group`);
  const line = (name: string, depth: number): string => (depth ? '  |'.repeat(depth) + '--' + name : name);
  const lines: string[] = [];
  const showVars = (vars: InventoryVars, depth: number): void => {
    if (!options.vars) return;
    for (const name of Object.keys(vars).sort()) lines.push(line(`{${name} = ${pyStr(vars[name])}}`, depth));
  };
  const walk = (name: string, depth: number): void => {
    lines.push(line(`@${name}:`, depth));
    const entry = inventory.groups.get(name)!;
    for (const child of entry.children) walk(child, depth + 1);
    if (name !== 'all') {
      for (const host of entry.hosts) {
        if (options.onlyHosts && !options.onlyHosts.has(host)) continue;
        lines.push(line(host, depth + 1));
        showVars(withoutInternal(hostVariables(inventory, host, options)), depth + 2);
      }
    }
    showVars(withoutInternal(groupVariables(inventory, name)), depth + 1);
  };
  walk(group, 0);
  return lines.join('\n');
}

/**
 * JSON text as Python's `json.dumps(sort_keys=True, indent=4, ensure_ascii=False)` writes it. Written by
 * hand because JSON.stringify puts integer-like keys ("10", "9") first in numeric order.
 */
export function toAnsibleJson(value: unknown, indent = ''): string {
  const inner = indent + '    ';
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return '[\n' + value.map((item) => inner + toAnsibleJson(item, inner)).join(',\n') + '\n' + indent + ']';
  }
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    if (keys.length === 0) return '{}';
    const record = value as Record<string, unknown>;
    const body = keys.map((key) => inner + JSON.stringify(key) + ': ' + toAnsibleJson(record[key], inner));
    return '{\n' + body.join(',\n') + '\n' + indent + '}';
  }
  return JSON.stringify(value) ?? 'null';
}
