import { ModuleError } from '../src/errors.js';
import type { ModuleDefinition } from './module.js';
import { manageUnit, type UnitAction } from './systemd.js';

/**
 * ansible.builtin.service: name, state, enabled, as Ansible does on a systemd system (its service action hands
 * the task to the systemd module, with the same result and the same image-tree behaviour: see systemd.ts).
 * sleep, pattern, runlevel, arguments and use are accepted and ignored (they matter to other init systems).
 */
export const serviceModule: ModuleDefinition = {
  name: 'service',
  args: {
    name: { type: 'str', required: true },
    state: { type: 'str', choices: ['started', 'stopped', 'restarted', 'reloaded'] },
    enabled: { type: 'bool' },
    sleep: { type: 'int' },
    pattern: { type: 'str' },
    runlevel: { type: 'str', default: 'default' },
    arguments: { type: 'str', default: '', aliases: ['args'] },
    use: { type: 'str', default: 'auto' },
  },
  async run(ctx) {
    const a = ctx.args;
    if (a['state'] === undefined && a['enabled'] === undefined) throw new ModuleError('one of the following is required: state, enabled');
    return manageUnit(ctx, {
      name: a['name'] as string,
      state: a['state'] as UnitAction | undefined,
      enabled: a['enabled'] as boolean | undefined,
      systemctl: ['systemctl'],
    });
  },
};
