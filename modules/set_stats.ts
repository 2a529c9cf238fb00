import { ModuleError } from '../src/core/errors.js';
import type { ModuleDefinition } from './module.js';

/**
 * ansible.builtin.set_stats: data, per_host, aggregate. The result carries `ansible_stats` as Ansible's
 * action returns it. Differs: playtree's recap prints no CUSTOM STATS section (Ansible prints one only with
 * `show_custom_stats` on), and the stats are not kept anywhere else.
 */
export const setStatsModule: ModuleDefinition = {
  name: 'set_stats',
  local: true,
  args: {
    data: { type: 'raw', required: true },
    per_host: { type: 'bool', default: false },
    aggregate: { type: 'bool', default: true },
  },
  async run(ctx) {
    const data = ctx.args['data'];
    if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new ModuleError("The 'data' option needs to be a dictionary/hash");
    for (const key of Object.keys(data)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new ModuleError(`The variable name '${key}' is not valid. Variables must start with a letter or underscore character, and contain only letters, numbers and underscores.`);
    }
    return { changed: false, ansible_stats: { data, per_host: ctx.args['per_host'], aggregate: ctx.args['aggregate'] } };
  },
};
