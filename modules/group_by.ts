import { ModuleError } from '../src/core/errors.js';
import type { ModuleDefinition } from './module.js';

/**
 * ansible.builtin.group_by: key, parents (default `all`). Returns `add_group` and `parent_groups` (spaces
 * become dashes) as Ansible's action does; the engine then puts the host in that group of the run's
 * inventory, so `groups`, `group_names`, group_vars and later plays' host patterns see it. Reported
 * changed, as ansible-playbook 2.14 shows it.
 */
export const groupByModule: ModuleDefinition = {
  name: 'group_by',
  local: true,
  args: {
    key: { type: 'str' },
    parents: { type: 'list', elements: 'str', default: ['all'] },
  },
  async run(ctx) {
    const key = ctx.args['key'] as string | undefined;
    if (key === undefined) throw new ModuleError("the 'key' param is required when using group_by");
    const parents = ctx.args['parents'] as string[];
    return { changed: true, add_group: key.replace(/ /g, '-'), parent_groups: parents.map((name) => name.replace(/ /g, '-')) };
  },
};
