import { ModuleError } from '../src/core/errors.js';
import type { ModuleDefinition } from './module.js';

/**
 * ansible.builtin.dpkg_selections: name, selection (install, hold, deinstall, purge), through the target's
 * `dpkg --get-selections` and `dpkg --set-selections`; before/after in the result as Ansible's (`not present`
 * for a package dpkg does not know).
 */
export const dpkgSelectionsModule: ModuleDefinition = {
  name: 'dpkg_selections',
  args: {
    name: { type: 'str', required: true },
    selection: { type: 'str', required: true, choices: ['install', 'hold', 'deinstall', 'purge'] },
  },
  async run(ctx) {
    const name = ctx.args['name'] as string;
    const selection = ctx.args['selection'] as string;
    const read = await ctx.target.exec(['dpkg', '--get-selections', name]);
    if (read.rc !== 0) throw new ModuleError(`dpkg --get-selections failed: ${read.stderr.toString().trim()}`, { rc: read.rc });
    const current = read.stdout.toString().split(/\s+/)[1] ?? 'not present';
    const changed = current !== selection;
    if (changed && !ctx.check) {
      const set = await ctx.target.exec(['dpkg', '--set-selections'], { stdin: `${name} ${selection}` });
      if (set.rc !== 0) throw new ModuleError(`dpkg --set-selections failed: ${set.stderr.toString().trim()}`, { rc: set.rc });
    }
    return { changed, before: current, after: selection };
  },
};
