import { ModuleError } from '../src/core/errors.js';
import { parseAddress } from '../src/inventory/hostAddress.js';
import type { ModuleDefinition } from './module.js';

/**
 * ansible.builtin.add_host: name (or hostname, host; `name:port` sets ansible_ssh_port), groups (or
 * groupname, group; a list or comma-separated text), and any other argument as a host variable. Returns
 * `add_host` ({host_name, groups, host_vars}) as Ansible's action does; the engine adds the host to the
 * run's inventory (later plays' patterns, `groups`, `hostvars`) and says whether that changed anything.
 * Like Ansible, it runs once for the play, on its first host (bypassHostLoop): a loop adds several hosts.
 */
export const addHostModule: ModuleDefinition = {
  name: 'add_host',
  local: true,
  bypassHostLoop: true,
  anyArgs: true,
  args: {},
  async run(ctx) {
    // `add_host: "{{ host_data }}"`: the free-form text rendered to a mapping, the other arguments over it.
    const { _raw_params: raw = {}, ...given } = ctx.args;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ModuleError(`Invalid raw parameters passed, requires a dictonary/mapping got a ${typeof raw}`);
    const args: Record<string, unknown> = { ...(raw as Record<string, unknown>), ...given };
    const wanted = args['name'] ?? args['hostname'] ?? args['host'];
    if (wanted === undefined || wanted === null) throw new ModuleError('name, host or hostname needs to be provided');
    const address = parseAddress(String(wanted), false);
    const name = address?.host ?? String(wanted);
    if (address?.port !== undefined) args['ansible_ssh_port'] = address.port;
    const groupsValue = args['groupname'] ?? args['groups'] ?? args['group'] ?? '';
    if (typeof groupsValue !== 'string' && !Array.isArray(groupsValue)) throw new ModuleError('Groups must be specified as a list.');
    const groups: string[] = [];
    for (const group of typeof groupsValue === 'string' ? (groupsValue ? groupsValue.split(',') : []) : groupsValue.map(String)) {
      if (!groups.includes(group.trim())) groups.push(group.trim());
    }
    // As Ansible: only these four are not host variables (`host` and `group` end up as variables too).
    const special = new Set(['name', 'hostname', 'groupname', 'groups']);
    const hostVars = Object.fromEntries(Object.entries(args).filter(([key, value]) => !special.has(key) && value !== undefined));
    return { changed: false, add_host: { host_name: name, groups, host_vars: hostVars } };
  },
};
