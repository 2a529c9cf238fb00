import { userInfo } from 'node:os';
import { connectionFactory } from '../../connections/registry.js';
import type { Connection, ConnectionOptions } from '../../connections/connection.js';
import { hostRecord } from '../inventory/index.js';
import { ConnectionError, ModuleError } from '../core/errors.js';
import { Templar } from '../template/index.js';
import type { PlayContext, RunContext, RunOptions } from './context.js';
import type { HostState } from './hostState.js';
import type { Scope } from './scope.js';

/**
 * The connection name for a host, as Ansible resolves it: `ansible_connection` first (a host's own
 * setting beats the play), then the task/play `connection:` keyword, then `-c` (only a default).
 */
export function connectionName(ctx: PlayContext, scope: Scope, templar: Templar): string {
  const fromVars = templar.variableOrNone('ansible_connection');
  const name = (typeof fromVars === 'string' && fromVars ? fromVars : undefined) ?? scope.connection ?? ctx.run.options.connection;
  // Ansible's default is ssh; playtree's is local, so that an inventory of image trees and of the build
  // machine itself needs no setting: a host that names no connection runs here (ansible_connection=ssh or
  // -c ssh reaches it over ssh).
  return name || 'local';
}

/** The task's (else the blocks', role's, play's) `remote_user` and `port` keywords, as written. */
export interface ConnectionKeywords {
  remoteUser?: unknown;
  port?: unknown;
}

/**
 * The host's open connection, made and opened at its first command. A host keeps one connection per
 * play; a task that asks for another driver gets a fresh one.
 */
export async function hostConnection(
  ctx: PlayContext,
  host: HostState,
  scope: Scope,
  vars: Record<string, unknown>,
  templar: Templar,
  keywords: ConnectionKeywords = {},
): Promise<Connection> {
  const name = connectionName(ctx, scope, templar);
  const defaults = keywordDefaults(ctx, vars, templar, keywords);
  const key = connectionKey(name, vars, templar, defaults);
  if (host.connection && openedWith.get(host.connection) === key) return host.connection;
  if (host.connection) await host.connection.close();
  host.connection = undefined;
  const connection = makeConnection(ctx, name, host, host.name, connectionVars(vars, host, templar, defaults));
  host.connection = connection;
  openedWith.set(connection, key);
  await connection.open();
  return connection;
}

/**
 * The connection for a task delegated to another host (`delegate_to`, `local_action`): made from that
 * host's own inventory variables (its `ansible_connection`, `ansible_host`...), kept for the rest of
 * the play. `localhost` needs no inventory entry: it is the controller, through the local driver.
 */
export async function delegatedConnection(ctx: PlayContext, host: HostState, name: string): Promise<Connection> {
  const open = host.delegated.get(name);
  if (open) return open;
  const driver = inventoryHostDriver(ctx, name);
  if (!driver) {
    throw new ModuleError(`delegate_to: '${name}' is not a host of the inventory; add it there, or delegate to localhost`);
  }
  const connection = makeConnection(ctx, driver.transport, host, name, driver.vars);
  host.delegated.set(name, connection);
  await connection.open();
  return connection;
}

/**
 * How to connect to inventory host `name` from its own variables (its `ansible_connection`, `ansible_host`...),
 * not the current host's: for delegate_to and playtree_via. Undefined when the inventory has no such host.
 */
function inventoryHostDriver(ctx: PlayContext, name: string): { transport: string; vars: Record<string, unknown> } | undefined {
  // A localhost the inventory does not name is Ansible's implicit one: `ansible_connection=local`, whatever -c says.
  const inventoryVars = ctx.run.hosts.get(name)?.inventoryVars ?? hostRecord(ctx.run.inventory, name)?.vars;
  if (!inventoryVars) return undefined;
  const vars: Record<string, unknown> = { ...inventoryVars, inventory_hostname: name };
  const templar = new Templar(vars);
  const fromVars = templar.variableOrNone('ansible_connection');
  const transport = (typeof fromVars === 'string' && fromVars) || ctx.run.options.connection || 'local';
  const driverVars: Record<string, unknown> = accessDefaults(ctx.run.options, vars, {});
  for (const [key, value] of Object.entries(vars)) {
    if (key.startsWith('ansible_') || key === 'playtree_via') driverVars[key] = templar.render(value);
    // A plugin's own settings (e.g. `local_logged_file`), templated when the driver reads them.
    else defineLazy(driverVars, key, () => templar.render(value));
  }
  return { transport, vars: driverVars };
}

/** A connection `owner`'s tasks use; its log lines (commands, with their arguments) are silent in a no_log task. */
function makeConnection(ctx: PlayContext, transport: string, owner: HostState, host: string, vars: Record<string, unknown>): Connection {
  const via = viaOption(ctx, host, vars['playtree_via']);
  return connectionFactory(transport)({
    host,
    vars,
    config: ctx.run.options.config,
    log: (verbosity, message) => {
      if (!owner.noLog) ctx.run.events.log(verbosity, message);
    },
    verbosity: ctx.run.options.verbosity,
    ...(via ? { via } : {}),
  });
}

/*
 * playtree_via: a tree driver reaches its tree through another inventory host's connection (its build
 * host). That connection is made from the build host's own variables, opened at the first tree that needs
 * it, shared by every tree naming it for the rest of the run, and closed at the end (closeCarriers). One
 * level only: a build host that itself names playtree_via is refused (its connection would need a carrier
 * of its own).
 */
const carriers = new WeakMap<RunContext, Map<string, Promise<Connection>>>();

function viaOption(ctx: PlayContext, host: string, via: unknown): ConnectionOptions['via'] {
  if (via === undefined || via === null || via === '') return undefined;
  if (typeof via !== 'string') throw new ConnectionError(`${host}: playtree_via must name a host of the inventory, not a ${typeof via}`, host);
  return { host: via, connect: () => carrierConnection(ctx, via) };
}

function carrierConnection(ctx: PlayContext, name: string): Promise<Connection> {
  let byName = carriers.get(ctx.run);
  if (!byName) carriers.set(ctx.run, (byName = new Map()));
  let opening = byName.get(name);
  if (!opening) {
    opening = openCarrier(ctx, name);
    byName.set(name, opening);
  }
  return opening;
}

async function openCarrier(ctx: PlayContext, name: string): Promise<Connection> {
  const driver = inventoryHostDriver(ctx, name);
  if (!driver) throw new Error(`'${name}' is not a host of the inventory; add it there (with its ansible_connection) or correct playtree_via`);
  const chained = driver.vars['playtree_via'];
  if (chained !== undefined && chained !== null && chained !== '') {
    throw new Error(`${name} names a playtree_via of its own (${String(chained)}); a build host must be reached directly (one level only)`);
  }
  const connection = connectionFactory(driver.transport)({
    host: name,
    vars: driver.vars,
    config: ctx.run.options.config,
    log: (verbosity, message) => ctx.run.events.log(verbosity, message),
    verbosity: ctx.run.options.verbosity,
  });
  try {
    await connection.open();
  } catch (error) {
    await connection.close().catch(() => undefined);
    throw error;
  }
  return connection;
}

/** Close the run's playtree_via connections (each build host's lock and temporary folder go first). */
export async function closeCarriers(run: RunContext): Promise<void> {
  const byName = carriers.get(run);
  if (!byName) return;
  carriers.delete(run);
  const { closeCarrier } = await import('../../connections/carriedBuildHost.js');
  await Promise.all([...byName.values()].map((opening) => opening.then(closeCarrier, () => undefined)));
}

/** Let go of every connection the host holds (its own and delegated ones). */
export async function closeHostConnections(host: HostState): Promise<void> {
  const connections = [host.connection, ...host.delegated.values()];
  host.connection = undefined;
  host.delegated.clear();
  await Promise.all(connections.map((connection) => connection?.close()));
}

/**
 * `meta: reset_connection`: a connection that keeps something beyond its object (ssh's master connection)
 * lets go of it, then the host's connections are closed; the next task opens fresh ones.
 */
export async function resetHostConnections(host: HostState): Promise<void> {
  const connections = [host.connection, ...host.delegated.values()];
  await Promise.all(connections.map((connection) => (connection as { reset?: () => Promise<void> } | undefined)?.reset?.()));
  await closeHostConnections(host);
}

/**
 * reset_connection for a host with no open connection: one made as the next task would make it is reset (ssh:
 * `ssh -O stop` on the master an earlier play left) and let go unopened. Bad settings are the next task's to report.
 */
export async function resetUnopenedConnection(ctx: PlayContext, host: HostState, scope: Scope, vars: Record<string, unknown>, templar: Templar, keywords: ConnectionKeywords): Promise<void> {
  let connection: Connection;
  try {
    const defaults = keywordDefaults(ctx, vars, templar, keywords);
    connection = makeConnection(ctx, connectionName(ctx, scope, templar), host, host.name, connectionVars(vars, host, templar, defaults));
  } catch (error) {
    ctx.run.events.log(3, `<${host.name}> nothing to reset: ${(error as Error).message}`);
    return;
  }
  try {
    await (connection as { reset?: () => Promise<void> }).reset?.();
  } finally {
    await connection.close();
  }
}

/** What each open connection was made from, to tell when a task needs another one. */
const openedWith = new WeakMap<Connection, string>();

/**
 * The settings that make a connection what it is. A task that sets another `ansible_user`,
 * `ansible_executable`, `ansible_host` or driver arguments (task vars) gets a fresh connection, as each
 * Ansible task builds its connection from its own variables; loop and play variables do not count.
 * Only these few variables are templated: this runs for every task.
 */
function connectionKey(transport: string, vars: Record<string, unknown>, templar: Templar, defaults: Record<string, unknown>): string {
  const settings = Object.keys(vars)
    .filter((name) => CONNECTION_SETTING.test(name))
    .sort()
    .map((name) => [name, templar.render(vars[name])]);
  return JSON.stringify([transport, defaults, ...settings]);
}

/** accessDefaults with the task's (block's, play's) `remote_user` and `port` keywords templated. */
function keywordDefaults(ctx: PlayContext, vars: Record<string, unknown>, templar: Templar, keywords: ConnectionKeywords): Record<string, unknown> {
  const render = (value: unknown) => (value === undefined ? undefined : templar.render(value));
  return accessDefaults(ctx.run.options, vars, { remoteUser: render(keywords.remoteUser), port: render(keywords.port) });
}

/**
 * What the command line, ansible.cfg and the `remote_user` and `port` keywords give a connection, as the
 * variables a driver reads (ansible_user, ansible_port, ansible_private_key_file and ansible_timeout, each
 * also under its ssh_ name, which the ssh driver reads). As in Ansible, a host's own variable (either name)
 * wins: these only fill what the variables leave unset.
 */
function accessDefaults(options: RunOptions, vars: Record<string, unknown>, keywords: { remoteUser?: unknown; port?: unknown }): Record<string, unknown> {
  const unset = (...names: string[]) => names.every((name) => vars[name] === undefined);
  const defaults: Record<string, unknown> = {};
  const user = typeof keywords.remoteUser === 'string' && keywords.remoteUser ? keywords.remoteUser : options.remoteUser;
  if (user !== undefined && unset('ansible_user', 'ansible_ssh_user')) defaults['ansible_user'] = user;
  if (keywords.port !== undefined && keywords.port !== null && keywords.port !== '' && unset('ansible_port', 'ansible_ssh_port')) defaults['ansible_port'] = keywords.port;
  if (options.privateKeyFile !== undefined && unset('ansible_private_key_file', 'ansible_ssh_private_key_file')) {
    defaults['ansible_private_key_file'] = options.privateKeyFile;
    defaults['ansible_ssh_private_key_file'] = options.privateKeyFile;
  }
  if (options.timeout !== undefined && unset('ansible_timeout', 'ansible_ssh_timeout')) {
    defaults['ansible_timeout'] = options.timeout;
    defaults['ansible_ssh_timeout'] = options.timeout;
  }
  return defaults;
}

/**
 * The variables that make a connection what it is (a task that changes one gets a fresh connection): where
 * and as whom it connects, the shell, each driver's extra arguments (`ansible_nspawn_args`,
 * `ansible_ssh_common_args`...), and the ssh driver's key, password, host key checking, timeout, retries,
 * client program and control path; `playtree_via` (the build host of a tree).
 */
const CONNECTION_SETTING = new RegExp(
  '^(?:playtree_via|ansible_(?:(?:ssh_)?(?:host|port|user|pass|password|private_key_file|host_key_checking|timeout|executable)' +
    '|[a-z0-9_]+_args|ssh_retries|control_path|control_path_dir|nspawn_persistent))$',
);

/**
 * The host's variables as a driver sees them (facts left out). `ansible_*` ones are templated now; the
 * others (a plugin's own settings, e.g. `local_logged_file`) are templated when the driver reads them, so
 * that an undefined variable elsewhere in the host's scope cannot break the connection.
 */
function connectionVars(vars: Record<string, unknown>, host: HostState, templar: Templar, defaults: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...defaults };
  for (const [name, value] of Object.entries(vars)) {
    if (name === 'ansible_facts' || name in host.facts || (name.startsWith('ansible_') && name.slice(8) in host.facts)) continue;
    if (name.startsWith('ansible_')) {
      out[name] = templar.render(value);
      continue;
    }
    defineLazy(out, name, () => templar.render(value));
  }
  return out;
}

/** `target[name]`, rendered on first read. */
function defineLazy(target: Record<string, unknown>, name: string, render: () => unknown): void {
  let rendered: { value: unknown } | undefined;
  Object.defineProperty(target, name, { enumerable: true, get: () => (rendered ??= { value: render() }).value });
}

/**
 * The user commands run as before become: ansible_user, else the `remote_user` keyword or -u (which the
 * local connection ignores, as Ansible's does), else whoever runs playtree for local and root in a tree.
 * Over ssh with no user named, the ssh client picks it (~/.ssh/config's User, else the local user name):
 * undefined, not known here, so `become` always switches, as Ansible's does.
 */
export function connectionUser(transport: string, templar: Templar, remoteUser?: string): string | undefined {
  const user = templar.evaluate('ansible_user | default(ansible_ssh_user | default(None))');
  if (typeof user === 'string' && user) return user;
  if (transport === 'local') return userInfo().username;
  if (remoteUser) return remoteUser;
  return transport === 'ssh' ? undefined : 'root';
}
