import { ModuleError } from '../src/core/errors.js';
import type { ModuleContext, ModuleDefinition, ModuleResult } from './module.js';
import { offlineServicesAllowed } from './offlineServices.js';
import { manageSysvService, probeSysvService } from './sysvService.js';
import { manageUnit, type UnitAction } from './systemd.js';

/**
 * ansible.builtin.service: name, state, enabled, use. With `use: auto` (the default) the target decides, as
 * Ansible's service manager fact does: systemd when the target has systemd installed (/lib/systemd/systemd or
 * /usr/lib/systemd/systemd, and systemctl), handled as the systemd module (same result, same image-tree
 * behaviour: see systemd.ts); otherwise SysV, /etc/init.d/NAME with update-rc.d (sysvService.ts).
 * `use: systemd` or `use: sysvinit` (also `sysv`, `service`) force one. In a tree nothing is started: see
 * the offline services rule in offlineServices.ts.
 * sleep, pattern, runlevel and arguments are accepted and ignored.
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
  run,
};

const SYSV_NAMES = new Set(['sysvinit', 'sysv', 'service']);

async function run(ctx: ModuleContext): Promise<ModuleResult> {
  const a = ctx.args;
  if (a['state'] === undefined && a['enabled'] === undefined) throw new ModuleError('one of the following is required: state, enabled');
  const use = a['use'] as string;
  if (use !== 'auto' && use !== 'systemd' && !SYSV_NAMES.has(use)) {
    throw new ModuleError(`use: '${use}' is not supported: playtree manages systemd and SysV services (auto, systemd, sysvinit)`);
  }
  const name = a['name'] as string;
  const state = a['state'] as UnitAction | undefined;
  const enabled = a['enabled'] as boolean | undefined;
  const offlineServices = offlineServicesAllowed(ctx);
  const systemd = () => manageUnit(ctx, { name, state, enabled, systemctl: ['systemctl'], offlineServices });
  if (use === 'systemd') return systemd();
  const found = await probeSysvService(ctx, name, false);
  if (use === 'auto' && found.systemd) return systemd();
  return manageSysvService(ctx, { name, state, enabled }, found);
}
