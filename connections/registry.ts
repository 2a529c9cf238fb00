import { createRequire } from 'node:module';
import { ModuleError } from '../src/core/errors.js';
import type { ConnectionFactory } from './connection.js';

/**
 * A built-in driver's file is loaded the first time a host uses it (a localhost run never loads nspawn's):
 * with require(), Node's require of an ES module (Node 20.19 and later), as a factory is called synchronously.
 */
const load = createRequire(import.meta.url);
const local: ConnectionFactory = (options) => (load('./local.js') as typeof import('./local.js')).createLocalConnection(options);
const chroot: ConnectionFactory = (options) => (load('./chroot.js') as typeof import('./chroot.js')).createChrootConnection(options);
const nspawn: ConnectionFactory = (options) => (load('./nspawn.js') as typeof import('./nspawn.js')).createNspawnConnection(options);
const ssh: ConnectionFactory = (options) => (load('./ssh.js') as typeof import('./ssh.js')).createSshConnection(options);

/**
 * Drivers by `ansible_connection` name. Built-ins are registered here; user plugins from
 * `connection_plugins/` are added at start-up with `registerConnection`.
 */
const drivers = new Map<string, ConnectionFactory>([
  ['local', local],
  ['ansible.builtin.local', local],
  ['chroot', chroot],
  ['community.general.chroot', chroot],
  ['nspawn', nspawn],
  ['community.general.nspawn', nspawn],
  ['ssh', ssh],
  ['ansible.builtin.ssh', ssh],
]);

export function registerConnection(name: string, factory: ConnectionFactory): void {
  drivers.set(name, factory);
}

/**
 * The driver named `name`. An unknown name fails the task (not UNREACHABLE), as ansible-core reports a
 * connection plugin it cannot find.
 */
export function connectionFactory(name: string): ConnectionFactory {
  const factory = drivers.get(name);
  if (!factory) {
    const known = [...drivers.keys()].filter((n) => !n.includes('.')).sort().join(', ');
    throw new ModuleError(`the connection plugin '${name}' was not found (known: ${known}); put a driver in connection_plugins/${name}.js to add it`);
  }
  return factory;
}
