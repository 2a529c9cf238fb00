import { toBoolean } from '../src/core/boolean.js';
import { ModuleError } from '../src/core/errors.js';
import { scriptWithArgs, shellJoin } from '../src/core/shellQuote.js';
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
 * An offline start makes the unit's RuntimeDirectory= folders in a container's /run (prepareRuntimeDirectories).
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

/**
 * Prints the service's unit file and drop-ins, when /run is a tmpfs mounted on its own (a container's, gone
 * when it stops): not a tree's /run folder that merely lies on a tmpfs, nor a chroot's. Read from the unit
 * folders directly: a tree without systemd still holds the units its packages ship.
 */
const UNIT_FILES_SCRIPT = `[ "$(stat -f -c %T /run 2>/dev/null)" = tmpfs ] || exit 0
[ "$(stat -c %d /run)" != "$(stat -c %d /)" ] || exit 0
if systemd-detect-virt --chroot >/dev/null 2>&1; then exit 0; fi
for pt_dir in /etc/systemd/system /lib/systemd/system /usr/lib/systemd/system; do
  if [ -f "$pt_dir/$1" ]; then cat "$pt_dir/$1"; echo; break; fi
done
for pt_file in /usr/lib/systemd/system/"$1".d/*.conf /etc/systemd/system/"$1".d/*.conf; do
  if [ -f "$pt_file" ]; then cat "$pt_file"; echo; fi
done
exit 0`;

export interface RuntimeDirectories {
  names: string[];
  mode: string;
  owner?: string;
}

/** RuntimeDirectory=, RuntimeDirectoryMode=, User= and Group= of a unit's [Service] sections. Pure. */
export function parseRuntimeDirectories(unitText: string): RuntimeDirectories {
  const names = new Set<string>();
  let mode = '0755';
  let user = '';
  let group = '';
  let inService = false;
  for (const raw of unitText.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('[')) inService = line === '[Service]';
    const match = /^(\w+)\s*=\s*(.*)$/.exec(line);
    if (!inService || !match) continue;
    const [, key, value = ''] = match;
    if (key === 'RuntimeDirectory') {
      if (value === '') names.clear();
      // Specifiers (%i) and paths leaving /run are left to systemd at boot.
      for (const name of value.split(/\s+/)) if (name && !name.includes('%') && !name.startsWith('/') && !name.split('/').includes('..')) names.add(name);
    } else if (key === 'RuntimeDirectoryMode' && /^[0-7]{3,4}$/.test(value)) mode = value;
    else if (key === 'User') user = value;
    else if (key === 'Group') group = value;
  }
  const owner = user || group ? `${user}${group ? `:${group}` : ''}` : undefined;
  return { names: [...names], mode, ...(owner !== undefined && !owner.includes('%') ? { owner } : {}) };
}

/**
 * An offline start still makes the folders systemd would make before starting the service (RuntimeDirectory=),
 * in the container's /run only, so a later task that checks the service's configuration with its own binary
 * works as on a running system (`sshd -T` needs /run/sshd). Where /run is the tree's own folder (chroot)
 * nothing is made: it would end up in the image.
 */
export async function prepareRuntimeDirectories(ctx: ModuleContext, service: string): Promise<string | undefined> {
  const unit = service.includes('.') ? service : `${service}.service`;
  const read = await ctx.target.exec(scriptWithArgs(UNIT_FILES_SCRIPT, [unit]));
  if (read.rc !== 0) return undefined;
  const wanted = parseRuntimeDirectories(read.stdout.toString());
  if (!wanted.names.length) return undefined;
  const paths = wanted.names.map((name) => `/run/${name}`);
  const commands = [['mkdir', '-p', '-m', wanted.mode, '--', ...paths]];
  if (wanted.owner) commands.push(['chown', '--', wanted.owner, ...paths]);
  const made = await ctx.target.exec(commands.map((argv) => shellJoin(argv)).join(' &&\n'));
  return made.rc === 0 ? undefined : `could not make the runtime folders of ${unit}: ${made.stderr.toString().trim()}`;
}
