/**
 * Ansible's YAML inventory (`all: {hosts: {h: {vars}}, children: {...}, vars: {...}}`), read the way
 * ansible-core's `yaml` plugin reads it. Unknown keys in a group are errors here (Ansible only warns),
 * because a typo such as `host:` would otherwise silently drop hosts.
 */
import { ParseError, type SourcePosition } from '../core/errors.js';
import { parseYamlText, positionOfKey, positionOfValue } from '../core/yamlSource.js';
import { expandHostPattern } from './hostAddress.js';
import { addChildGroup, addGroup, addHost, GroupLoopError, setVariable } from './inventoryBuilder.js';
import type { Inventory } from './types.js';

/** Stop with a ParseError at `at` (where the offending key or value was written), else at the file's start. */
type Fail = (reason: string, at?: SourcePosition) => never;

/**
 * Parses YAML text with the playbook loader's reader, which types scalars as PyYAML does for Ansible
 * (`y`/`n` and `1e3` stay strings, dates stay text, `!unsafe` is never rendered); returns undefined when
 * the document is not a mapping (not an inventory or vars file).
 */
export function readYamlMapping(text: string, file: string): Record<string, unknown> | undefined {
  const data = parseYamlText(text, file).value;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return undefined;
  return data as Record<string, unknown>;
}

export function parseYamlInventory(inventory: Inventory, data: Record<string, unknown>, file: string): void {
  const fail: Fail = (reason, at) => {
    throw new ParseError(reason, at ?? { file, line: 1, column: 1 });
  };
  if (Object.keys(data).length === 0) fail('YAML inventory is empty; expected top-level groups such as all:');
  if ('plugin' in data) {
    fail(`this is an inventory plugin configuration, which playtree does not run; use an INI or YAML inventory`, positionOfKey(data, 'plugin'));
  }
  for (const [name, groupData] of Object.entries(data)) readGroup(inventory, name, groupData, file, fail);
}

/** `container[key]` as a mapping (null: none), else a failure pointing at that value. */
function asMapping(container: Record<string, unknown>, key: string, what: string, fail: Fail): Record<string, unknown> | undefined {
  const value = container[key];
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return { [value]: null }; // Ansible accepts `hosts: onehost`
  if (typeof value !== 'object' || Array.isArray(value)) fail(`${what} must be a mapping`, positionOfValue(container, key));
  return value as Record<string, unknown>;
}

function readGroup(inventory: Inventory, name: string, groupData: unknown, file: string, fail: Fail): string {
  if (groupData !== null && (typeof groupData !== 'object' || Array.isArray(groupData))) {
    // Ansible skips such entries with a warning (an INI line `web1:22` reads as YAML `{web1: 22}`)
    inventory.warnings.push(`Skipping '${name}' in ${file} as this is not a valid group definition`);
    return name;
  }
  addGroup(inventory, name);
  const sections = (groupData ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(sections)) {
    if (key !== 'vars' && key !== 'children' && key !== 'hosts') {
      fail(`group '${name}' has unexpected key '${key}'; only hosts, children and vars are valid`, positionOfKey(sections, key));
    }
    const mapping = asMapping(sections, key, `'${key}' of group '${name}'`, fail);
    if (!mapping) continue;
    if (key === 'vars') {
      for (const [varName, varValue] of Object.entries(mapping)) setVariable(inventory, name, varName, varValue);
    } else if (key === 'children') {
      for (const [childName, childData] of Object.entries(mapping)) {
        const child = readGroup(inventory, childName, childData, file, fail);
        try {
          addChildGroup(inventory, name, child);
        } catch (error) {
          if (error instanceof GroupLoopError) fail(error.message, positionOfKey(mapping, childName));
          throw error;
        }
      }
    } else {
      readHosts(inventory, name, mapping, file, fail);
    }
  }
  return name;
}

function readHosts(inventory: Inventory, group: string, hosts: Record<string, unknown>, file: string, fail: Fail): void {
  for (const pattern of Object.keys(hosts)) {
    let expanded: { hosts: string[]; port?: number };
    try {
      expanded = expandHostPattern(pattern);
    } catch (error) {
      return fail(`bad host range in '${pattern}': ${(error as Error).message}`, positionOfKey(hosts, pattern));
    }
    const variables = asMapping(hosts, pattern, `variables of host '${pattern}'`, fail) ?? {};
    for (const host of expanded.hosts) {
      addHost(inventory, host, group, expanded.port, file);
      for (const [key, value] of Object.entries(variables)) setVariable(inventory, host, key, value);
    }
  }
}
