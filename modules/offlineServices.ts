import { toBoolean } from '../src/boolean.js';
import { ModuleError } from '../src/errors.js';
import type { ModuleContext } from './module.js';

/**
 * The offline services rule, shared by systemd, service and its SysV path. An image tree has no running
 * init: nothing can be started there, and a started service would only be killed when the build ends. So
 * where no systemd runs on the target (chroot, nspawn, a tree without systemd), `state: started`,
 * `restarted` and `reloaded` succeed without starting anything and say so in `msg`; `enabled` still does
 * its work, which is what starts the service when the image boots.
 *
 * The host variable `playtree_offline_services` (any Ansible boolean) turns this off: `false` brings back
 * the clear failure. On a running system (systemd is PID 1) the variable changes nothing.
 */

export type ActiveState = 'started' | 'stopped' | 'restarted' | 'reloaded';

/** Whether the task's host allows offline services (the variable, default true). */
export function offlineServicesAllowed(ctx: ModuleContext): boolean {
  const value = ctx.evaluate('playtree_offline_services | default(None)');
  if (value === null || value === undefined) return true;
  const allowed = toBoolean(value);
  if (allowed === undefined) {
    throw new ModuleError(`playtree_offline_services must be a boolean (true/false), got: ${JSON.stringify(value)}`);
  }
  return allowed;
}

export interface OfflineOutcome {
  state: 'started' | 'stopped';
  /** As Ansible reports it: restarted and reloaded always change; started and stopped are already settled. */
  changed: boolean;
  msg?: string;
}

/**
 * What `state: wanted` means for a service that nothing can run. Stopped is simply true. Started is ok
 * (changed=false: it starts at boot if enabled, and a second run reports the same); restarted and reloaded
 * report changed, as Ansible always does for them, so handlers chained on them still fire.
 */
export function offlineActiveState(wanted: ActiveState, unit: string, allowed: boolean): OfflineOutcome {
  if (wanted === 'stopped') return { state: 'stopped', changed: false };
  if (!allowed) {
    throw new ModuleError(
      `Could not make unit ${unit} ${wanted}: systemd is not running on the target (no /run/systemd/system, as in an image tree), so no unit can be started or reloaded there; leave out 'state' (enabled: true starts it at boot), or leave playtree_offline_services unset to let it pass`,
    );
  }
  return {
    state: 'started',
    changed: wanted !== 'started',
    msg: `${unit} was not ${wanted}: the target is an image tree with no running init (playtree_offline_services); it starts at boot if enabled`,
  };
}
