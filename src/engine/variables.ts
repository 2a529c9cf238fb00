import { dirname } from 'node:path';
import { VARIABLE_NAMES } from '../template/index.js';
import { TEMPLATED_ON_ACCESS, Templar, UndefinedVariableError } from '../template/index.js';
import type { Task } from '../playbook/types.js';
import type { PlayContext } from './context.js';
import type { HostState } from './hostState.js';
import type { Scope } from './scope.js';

/**
 * The variables a task sees on a host, merged by Ansible's precedence (lowest first):
 * role defaults < inventory (file, group_vars, host_vars) < facts < play vars < vars_files < role vars
 * < block vars < task vars < include_vars < set_fact/register < role and include params < extra vars; then
 * magic vars.
 * Values stay raw (templates are resolved lazily by the templar when used).
 */
export function taskVariables(ctx: PlayContext, host: HostState, scope: Scope, task?: Task): Record<string, unknown> {
  const vars: Record<string, unknown> = {};
  for (const role of ctx.playRoles) Object.assign(vars, role.defaults);
  for (const layer of scope.roleDefaults) Object.assign(vars, layer);
  Object.assign(vars, host.inventoryVars);
  addFactVariables(vars, host, ctx.run.options.injectFactsAsVars);
  Object.assign(vars, ctx.playVars, ctx.varsFilesVars);
  for (const role of ctx.playRoles) Object.assign(vars, role.vars);
  for (const layer of scope.roleVars) Object.assign(vars, layer);
  for (const layer of scope.blockVars) Object.assign(vars, layer);
  if (task) Object.assign(vars, task.vars);
  Object.assign(vars, host.includedVars, host.setFacts);
  for (const layer of scope.params) Object.assign(vars, layer);
  Object.assign(vars, ctx.run.options.extraVars);
  addMagicVariables(vars, ctx, host, scope);
  vars['ansible_search_path'] = searchPath(ctx, scope, task);
  // For the varnames lookup: every name, worked out when asked; not enumerable, so copies leave it out.
  Object.defineProperty(vars, VARIABLE_NAMES, { get: variableNames, enumerable: false });
  return vars;
}

/**
 * The getter of VARIABLE_NAMES, one function for every task: V8 keeps an accessor's getter in the object's
 * hidden class, so a fresh closure per task made a new hidden class per task, allocated among long-lived
 * objects and holding the closure, hence the task's variables, until the next full garbage collection
 * (about 12 KB more peak memory per task).
 */
function variableNames(this: Record<string, unknown>): string[] {
  return Object.keys(this);
}

/**
 * Where lookups look for files, as ansible-core's ansible_search_path: the task's role folder, the
 * folder of the file the task is written in, the playbook's folder.
 */
function searchPath(ctx: PlayContext, scope: Scope, task?: Task): string[] {
  const paths: string[] = [];
  if (scope.role) paths.push(scope.role.path);
  if (task?.position?.file) paths.push(dirname(task.position.file));
  paths.push(ctx.run.playbook.dir);
  return [...new Set(paths)];
}

/**
 * Facts as variables: `ansible_facts` whole, and each fact under the name the module gave it (inject_facts_as_vars):
 * `ansible_<name>` for the prefixed ones setup returns, the bare name for those a module returned bare (getent's
 * `getent_passwd`, setup's own `gather_subset`); only `ansible_local` when ansible.cfg says
 * inject_facts_as_vars = False.
 */
function factVariables(host: HostState, inject = true): Record<string, unknown> {
  const vars: Record<string, unknown> = {};
  addFactVariables(vars, host, inject);
  return vars;
}

/** factVariables written straight into `vars` (a task's: no object of its own per task, copied again). */
function addFactVariables(vars: Record<string, unknown>, host: HostState, inject = true): void {
  const facts = host.facts;
  vars['ansible_facts'] = facts;
  // Even then ansible_local is a variable, as ansible-core always promotes it.
  if (!inject) {
    vars['ansible_local'] = facts['ansible_local'] ?? {};
    return;
  }
  for (const name of Object.keys(facts)) {
    vars[name.startsWith('ansible_') || host.bareFacts.has(name) ? name : `ansible_${name}`] = facts[name];
  }
}


/*
 * Built by assignment, not as `{ ...spread, name: value }`: Node 20's V8 gives every object made that way a
 * hidden class of its own, kept among long-lived objects with what it points to until a full collection.
 */
function addMagicVariables(vars: Record<string, unknown>, ctx: PlayContext, host: HostState, scope: Scope): void {
  const active = (names: string[]) => names.filter((name) => !ctx.run.hosts.get(name)?.failed);
  const playHosts = ctx.playHosts ?? ctx.hosts;
  const roleNames = [...new Set(ctx.playRoles.map((role) => role.name))];
  Object.assign(vars, hostMagicVariables(ctx, host));
  vars['hostvars'] = hostvarsView(ctx);
  vars['ansible_play_hosts'] = active(playHosts);
  vars['ansible_play_batch'] = active(ctx.hosts);
  vars['ansible_play_hosts_all'] = playHosts;
  vars['play_hosts'] = active(ctx.hosts);
  vars['ansible_play_name'] = ctx.play.name ?? '';
  vars['ansible_role_names'] = roleNames;
  vars['ansible_play_role_names'] = roleNames;
  vars['role_names'] = roleNames;
  if (scope.role) {
    vars['role_name'] = scope.role.name;
    vars['role_path'] = scope.role.path;
    vars['ansible_role_name'] = scope.role.name;
  }
}

/** The magic variables that belong to the host and the run, not to a play (also seen through hostvars). */
function hostMagicVariables(ctx: PlayContext, host: HostState): Record<string, unknown> {
  return {
    inventory_hostname: host.name,
    inventory_hostname_short: host.name.split('.')[0],
    group_names: host.groupNames,
    groups: ctx.run.groups,
    playbook_dir: ctx.run.playbook.dir,
    inventory_dir: host.inventoryVars['inventory_dir'],
    inventory_file: host.inventoryVars['inventory_file'],
    ansible_check_mode: ctx.run.options.check,
    ansible_diff_mode: ctx.run.options.diff,
    ansible_verbosity: ctx.run.options.verbosity,
    ansible_version: ANSIBLE_VERSION,
    // Inventories often set ansible_python_interpreter to this; playtree runs no Python, the value is only text.
    ansible_playbook_python: '/usr/bin/python3',
    ansible_run_tags: ctx.run.options.tags.length ? ctx.run.options.tags : ['all'],
    ansible_skip_tags: ctx.run.options.skipTags,
  };
}

const ANSIBLE_VERSION = { full: '2.14.0', major: 2, minor: 14, revision: 0, string: '2.14.0 (playtree)' };

/**
 * `hostvars`: every host's variables outside any play, as Ansible's HostVars gives them (inventory, facts,
 * include_vars, set_fact and register, extra vars, the host's magic variables; no play vars), computed only when a
 * template looks one up, and templated on access with that host's own variables (TEMPLATED_ON_ACCESS
 * tells the templar not to walk it). As in Ansible, a string naming a variable the host does not have
 * (a play or role variable, say) is given as it is written.
 */
function hostvarsView(ctx: PlayContext): Record<string, unknown> {
  const cache = new Map<string, Record<string, unknown>>();
  const lookup = (name: string) => {
    const host = ctx.run.hosts.get(name);
    if (!host) return undefined;
    let view = cache.get(name);
    if (!view) {
      const vars = {
        ...host.inventoryVars,
        ...factVariables(host, ctx.run.options.injectFactsAsVars),
        ...host.includedVars,
        ...host.setFacts,
        ...ctx.run.options.extraVars,
        ...hostMagicVariables(ctx, host),
      };
      const templar = new Templar(vars);
      view = new Proxy(vars, {
        get: (target, key) => (typeof key === 'string' ? renderLeniently(templar, target[key]) : undefined),
        has: (target, key) => key === TEMPLATED_ON_ACCESS || key in target,
      });
      cache.set(name, view);
    }
    return view;
  };
  return new Proxy({} as Record<string, unknown>, {
    get: (_target, key) => (typeof key === 'string' ? lookup(key) : undefined),
    has: (_target, key) => key === TEMPLATED_ON_ACCESS || (typeof key === 'string' && ctx.run.hosts.has(key)),
    ownKeys: () => [...ctx.run.hosts.keys()],
    getOwnPropertyDescriptor: (_target, key) =>
      typeof key === 'string' && ctx.run.hosts.has(key) ? { enumerable: true, configurable: true, value: lookup(key) } : undefined,
  });
}

/** Templates `value`, leaving each string that names an undefined variable as written (fail_on_undefined off). */
function renderLeniently(templar: Templar, value: unknown): unknown {
  try {
    return templar.render(value);
  } catch (error) {
    if (!(error instanceof UndefinedVariableError)) throw error;
  }
  if (Array.isArray(value)) return value.map((item) => renderLeniently(templar, item));
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, renderLeniently(templar, item)]));
  }
  return value;
}
