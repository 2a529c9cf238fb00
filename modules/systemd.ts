import { ModuleError } from '../src/core/errors.js';
import { scriptWithArgs, shellJoin } from '../src/core/shellQuote.js';
import type { ModuleContext, ModuleDefinition, ModuleResult } from './module.js';
import { offlineActiveState, offlineServicesAllowed, prepareRuntimeDirectories, type ActiveState } from './offlineServices.js';
import { UNIT_STATE_SCRIPT, isDeactivating, isRunning, parseUnitState, type UnitState } from './systemdUnit.js';

/**
 * ansible.builtin.systemd (alias systemd_service): name (service, unit), enabled, masked, state, daemon_reload,
 * daemon_reexec, scope, no_block, force. One command reads the unit, one applies every change.
 * Differs, for image trees: when systemd is not running on the target (no /run/systemd/system, as in a tree
 * reached by chroot or nspawn) enabled/masked still work (systemctl edits the unit links offline), `state:
 * stopped` is already true, and started/restarted/reloaded start nothing and say so in `msg` (the offline
 * services rule, offlineServices.ts; with `playtree_offline_services: false` they fail instead);
 * daemon_reload/daemon_reexec do nothing there; an offline start makes the unit's RuntimeDirectory= folders in
 * a container's /run.
 */

export type UnitAction = ActiveState;

export interface UnitRequest {
  name?: string;
  state?: UnitAction;
  enabled?: boolean;
  masked?: boolean;
  daemonReload?: boolean;
  daemonReexec?: boolean;
  /** systemctl and its global flags (--user/--global, --no-block, --force). */
  systemctl: string[];
  /** started/restarted/reloaded pass without systemd running (playtree_offline_services, default true). */
  offlineServices?: boolean;
}

export const systemdModule: ModuleDefinition = {
  name: 'systemd',
  args: {
    name: { type: 'str', aliases: ['service', 'unit'] },
    state: { type: 'str', choices: ['reloaded', 'restarted', 'started', 'stopped'] },
    enabled: { type: 'bool' },
    force: { type: 'bool' },
    masked: { type: 'bool' },
    daemon_reload: { type: 'bool', default: false, aliases: ['daemon-reload'] },
    daemon_reexec: { type: 'bool', default: false, aliases: ['daemon-reexec'] },
    scope: { type: 'str', default: 'system', choices: ['system', 'user', 'global'] },
    no_block: { type: 'bool', default: false },
  },
  async run(ctx) {
    const a = ctx.args;
    const wanted = ['state', 'enabled', 'masked'].filter((k) => a[k] !== undefined);
    if (!wanted.length && !a['daemon_reload'] && !a['daemon_reexec']) {
      throw new ModuleError('one of the following is required: state, enabled, masked, daemon_reload, daemon_reexec');
    }
    if (wanted.length && a['name'] === undefined) throw new ModuleError(`missing parameter(s) required by '${wanted[0]}': name`);
    const systemctl = ['systemctl'];
    if (a['scope'] !== 'system') systemctl.push(`--${String(a['scope'])}`);
    if (a['no_block']) systemctl.push('--no-block');
    if (a['force']) systemctl.push('--force');
    return manageUnit(ctx, {
      name: a['name'] as string | undefined,
      state: a['state'] as UnitAction | undefined,
      enabled: a['enabled'] as boolean | undefined,
      masked: a['masked'] as boolean | undefined,
      daemonReload: a['daemon_reload'] as boolean,
      daemonReexec: a['daemon_reexec'] as boolean,
      systemctl,
      offlineServices: offlineServicesAllowed(ctx),
    });
  },
};

/** Read the unit, decide, apply (unless check mode): the whole of the systemd module after its arguments. */
export async function manageUnit(ctx: ModuleContext, request: UnitRequest): Promise<ModuleResult> {
  const unit = request.name;
  if (unit !== undefined && /[*?[]/.test(unit)) {
    const glob = ['*', '?', '['].find((g) => unit.includes(g));
    throw new ModuleError(`This module does not currently support using glob patterns, found '${glob}' in service name: ${unit}`);
  }
  if (unit !== undefined && unit.startsWith('-')) throw new ModuleError(`invalid unit name '${unit}': it must not start with '-'`);
  const read = await ctx.target.exec(scriptWithArgs(UNIT_STATE_SCRIPT, [unit ?? '', request.systemctl.join(' ')]));
  if (read.rc !== 0) throw new ModuleError(`could not read the state of unit ${unit ?? ''}: ${read.stderr.toString().trim()}`, { rc: read.rc });
  const state = parseUnitState(read.stdout.toString());
  if (!state.hasSystemctl) {
    throw new ModuleError('systemctl is not installed on the target: install the systemd package first (an image tree gets it with apt: name=systemd)');
  }
  const plan = planUnit(request, state);
  const result: ModuleResult = { name: unit ?? null, changed: plan.commands.length > 0 || plan.changedOffline, status: state.status };
  if (request.enabled !== undefined) result['enabled'] = request.enabled;
  if (plan.state !== undefined) result['state'] = plan.state;
  if (plan.msg !== undefined) result.msg = plan.msg;
  // plan.msg is set only when an offline start/restart/reload passed.
  const runtimeWarning = !ctx.check && plan.msg !== undefined && unit !== undefined ? await prepareRuntimeDirectories(ctx, unit) : undefined;
  if (runtimeWarning !== undefined) plan.warnings.push(runtimeWarning);
  if (plan.warnings.length) result['warnings'] = plan.warnings;
  if (ctx.check || !plan.commands.length) {
    if (request.enabled !== undefined && !plan.commands.length) result['enabled'] = state.enabled;
    return result;
  }
  const run = await ctx.target.exec(plan.commands.map((argv) => shellJoin(argv)).join(' &&\n'));
  if (run.rc !== 0) {
    const detail = (run.stdout.toString() + run.stderr.toString()).trim();
    throw new ModuleError(`Unable to apply '${plan.summary.join(', ')}' to unit ${unit}: ${detail}`, { rc: run.rc, stderr: run.stderr.toString() });
  }
  return result;
}

interface UnitPlan {
  /** argv of each systemctl call, in order. */
  commands: string[][];
  /** Words naming those calls, for an error message. */
  summary: string[];
  state?: string;
  warnings: string[];
  /** restarted/reloaded in a tree: reported changed although nothing ran (offline services rule). */
  changedOffline: boolean;
  msg?: string;
}

/** What to run, as Ansible's systemd module decides it, from the unit's current state. Pure. */
export function planUnit(request: UnitRequest, state: UnitState): UnitPlan {
  const unit = request.name ?? '';
  const plan: UnitPlan = { commands: [], summary: [], warnings: [], changedOffline: false };
  const add = (verb: string, withUnit = true) => {
    plan.commands.push([...request.systemctl, verb, ...(withUnit ? [unit] : [])]);
    plan.summary.push(verb);
  };
  const missing = () => new ModuleError(`Could not find the requested service ${unit}: host`);
  // daemon-reload and daemon-reexec talk to the running manager: nothing to do without one.
  if (state.running && request.daemonReload) add('daemon-reload', false);
  if (state.running && request.daemonReexec) add('daemon-reexec', false);
  if (!state.running && (request.daemonReload || request.daemonReexec)) {
    plan.warnings.push('systemd is not running on the target: daemon_reload/daemon_reexec skipped (unit files are read at boot)');
  }
  if (state.initdOnly) plan.warnings.push(`The service (${unit}) is actually an init script but the system is managed by systemd`);
  if (request.masked !== undefined && request.masked !== state.masked) add(request.masked ? 'mask' : 'unmask');
  if (request.enabled !== undefined) {
    if (!state.found) throw missing();
    if (request.enabled !== state.enabled) add(request.enabled ? 'enable' : 'disable');
  }
  if (request.state !== undefined) {
    if (!state.found) throw missing();
    if (state.running) plan.state = planActiveState(request.state, state, add);
    else {
      // Nothing runs in a tree: stopped is already true; the rest pass or fail by the offline services rule.
      const outcome = offlineActiveState(request.state, unit, request.offlineServices ?? false);
      plan.state = outcome.state;
      plan.changedOffline = outcome.changed;
      plan.msg = outcome.msg;
    }
  }
  return plan;
}

function planActiveState(wanted: UnitAction, state: UnitState, add: (verb: string) => void): string {
  const running = isRunning(state.status);
  if (wanted === 'started') {
    if (!running) add('start');
    return 'started';
  }
  if (wanted === 'stopped') {
    if (running || isDeactivating(state.status)) add('stop');
    return 'stopped';
  }
  add(running ? wanted.slice(0, -2) : 'start');
  return 'started';
}
