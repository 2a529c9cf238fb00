import { ModuleError } from '../src/core/errors.js';
import { scriptWithArgs, shellJoin } from '../src/core/shellQuote.js';
import type { ModuleContext, ModuleResult } from './module.js';
import { offlineActiveState, offlineServicesAllowed, prepareRuntimeDirectories, type ActiveState } from './offlineServices.js';

/**
 * The service module's SysV path, for a target without systemd: the script /etc/init.d/NAME, its boot links
 * /etc/rc?.d/S??NAME made and removed by update-rc.d (as Ansible's service module does on Debian: `defaults`
 * when the script has no links yet, then `enable`/`disable`). Starting follows the offline services rule:
 * in a tree nothing runs; with `playtree_offline_services: false` (a live SysV system) the script itself is
 * called with status, then start/stop/restart/reload.
 */

/** One read: is systemd installed, the script, its S and K links, and (when asked) its status. */
export const SERVICE_PROBE_SCRIPT = `pt_name=$1; pt_status=$2
if [ -x /lib/systemd/systemd ] || [ -x /usr/lib/systemd/systemd ]; then
  if command -v systemctl >/dev/null 2>&1; then echo systemd=1; fi
fi
[ -n "$pt_name" ] || exit 0
if [ -f "/etc/init.d/$pt_name" ]; then echo initd=1; else exit 0; fi
set -- /etc/rc?.d/S??"$pt_name"; if [ -e "$1" ]; then echo slinks=1; fi
set -- /etc/rc?.d/K??"$pt_name"; if [ -e "$1" ]; then echo klinks=1; fi
if command -v update-rc.d >/dev/null 2>&1; then echo updatercd=1; fi
if [ "$pt_status" = 1 ]; then "/etc/init.d/$pt_name" status >/dev/null 2>&1; echo "status_rc=$?"; fi
exit 0`;

export interface ServiceProbe {
  systemd: boolean;
  initd: boolean;
  enabled: boolean;
  hasKLinks: boolean;
  hasUpdateRcD: boolean;
  /** The script's `status` exit code (0: running), when it was asked for. */
  statusRc?: number;
}

export function parseServiceProbe(output: string): ServiceProbe {
  const fields = new Map(output.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  const statusRc = fields.get('status_rc');
  return {
    systemd: fields.get('systemd') === '1',
    initd: fields.get('initd') === '1',
    enabled: fields.get('slinks') === '1',
    hasKLinks: fields.get('klinks') === '1',
    hasUpdateRcD: fields.get('updatercd') === '1',
    ...(statusRc !== undefined ? { statusRc: Number(statusRc) } : {}),
  };
}

export interface SysvRequest {
  name: string;
  state?: ActiveState;
  enabled?: boolean;
}

/** The commands a SysV service needs (pure), and what the result says. */
export function planSysv(request: SysvRequest, probe: ServiceProbe): { commands: string[][]; result: ModuleResult } {
  const { name } = request;
  if (!probe.initd) {
    throw new ModuleError(`Could not find the requested service ${name}: the target has neither systemd nor /etc/init.d/${name}`);
  }
  const commands: string[][] = [];
  const result: ModuleResult = { name, changed: false };
  if (request.enabled !== undefined) {
    result['enabled'] = request.enabled;
    if (request.enabled !== probe.enabled) {
      if (!probe.hasUpdateRcD) throw new ModuleError(`cannot ${request.enabled ? 'enable' : 'disable'} ${name}: update-rc.d is missing in the target (package init-system-helpers)`);
      if (request.enabled && !probe.hasKLinks) commands.push(['update-rc.d', name, 'defaults']);
      commands.push(['update-rc.d', name, request.enabled ? 'enable' : 'disable']);
    }
  }
  if (request.state !== undefined) {
    if (probe.statusRc === undefined) {
      const outcome = offlineActiveState(request.state, name, true);
      result['state'] = outcome.state;
      result.changed = outcome.changed;
      if (outcome.msg !== undefined) result.msg = outcome.msg;
    } else {
      const running = probe.statusRc === 0;
      const script = `/etc/init.d/${name}`;
      if (request.state === 'started' && !running) commands.push([script, 'start']);
      if (request.state === 'stopped' && running) commands.push([script, 'stop']);
      if (request.state === 'restarted') commands.push([script, 'restart']);
      if (request.state === 'reloaded') commands.push([script, running ? 'reload' : 'start']);
      result['state'] = request.state === 'stopped' ? 'stopped' : 'started';
    }
  }
  result.changed ||= commands.length > 0;
  return { commands, result };
}

/** Apply a SysV plan (unless check mode). */
export async function applySysv(ctx: ModuleContext, commands: string[][], result: ModuleResult): Promise<ModuleResult> {
  if (ctx.check || !commands.length) return result;
  const run = await ctx.target.exec(commands.map((argv) => shellJoin(argv)).join(' &&\n'));
  if (run.rc !== 0) {
    const detail = (run.stdout.toString() + run.stderr.toString()).trim();
    throw new ModuleError(`Unable to apply '${commands.map((c) => c.slice(-1)[0]).join(', ')}' to service ${String(result['name'])}: ${detail}`, { rc: run.rc });
  }
  return result;
}

/** Read the service's probe (with its `status` when asked) in one command. */
export async function probeSysvService(ctx: ModuleContext, name: string, status: boolean): Promise<ServiceProbe> {
  const read = await ctx.target.exec(scriptWithArgs(SERVICE_PROBE_SCRIPT, [name, status ? '1' : '0']));
  if (read.rc !== 0) throw new ModuleError(`could not read the state of service ${name}: ${read.stderr.toString().trim()}`, { rc: read.rc });
  return parseServiceProbe(read.stdout.toString());
}

/** The whole SysV path: probe (unless `found` is given), plan, apply. A live SysV system is asked whether it runs. */
export async function manageSysvService(ctx: ModuleContext, request: SysvRequest, found?: ServiceProbe): Promise<ModuleResult> {
  let probe = found ?? (await probeSysvService(ctx, request.name, false));
  if (!offlineServicesAllowed(ctx) && request.state !== undefined && probe.initd) probe = await probeSysvService(ctx, request.name, true);
  const { commands, result } = planSysv(request, probe);
  // result.msg is set only when an offline start/restart/reload passed; the package may still ship a unit
  // whose RuntimeDirectory= folders the service's own tools expect (sshd -t wants /run/sshd).
  const runtimeWarning = !ctx.check && result.msg !== undefined ? await prepareRuntimeDirectories(ctx, request.name) : undefined;
  if (runtimeWarning !== undefined) result['warnings'] = [runtimeWarning];
  return applySysv(ctx, commands, result);
}
