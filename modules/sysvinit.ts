import { ModuleError } from '../src/core/errors.js';
import type { ModuleContext, ModuleDefinition, ModuleResult } from './module.js';
import { manageSysvService } from './sysvService.js';

/**
 * ansible.builtin.sysvinit: name (service), state, enabled, through the service module's SysV path
 * (/etc/init.d/NAME, boot links by update-rc.d; in a tree nothing starts: see offlineServices.ts).
 * Differs: runlevels are accepted but the boot links follow the script's LSB header (update-rc.d defaults);
 * sleep, pattern, arguments and daemonize are accepted and ignored; the result has no `status` dict.
 */
export const sysvinitModule: ModuleDefinition = {
  name: 'sysvinit',
  args: {
    name: { type: 'str', required: true, aliases: ['service'] },
    state: { type: 'str', choices: ['started', 'stopped', 'restarted', 'reloaded'] },
    enabled: { type: 'bool' },
    sleep: { type: 'int', default: 1 },
    pattern: { type: 'str' },
    arguments: { type: 'str', aliases: ['args'] },
    runlevels: { type: 'list', elements: 'str' },
    daemonize: { type: 'bool', default: false },
  },
  run,
};

async function run(ctx: ModuleContext): Promise<ModuleResult> {
  const a = ctx.args;
  if (a['state'] === undefined && a['enabled'] === undefined) throw new ModuleError('one of the following is required: state, enabled');
  const name = a['name'] as string;
  return manageSysvService(ctx, {
    name,
    state: a['state'] as 'started' | 'stopped' | 'restarted' | 'reloaded' | undefined,
    enabled: a['enabled'] as boolean | undefined,
  });
}
