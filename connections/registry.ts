import { ModuleError } from '../src/core/errors.js';
import type { ConnectionFactory } from './connection.js';
import { createChrootConnection } from './chroot.js';
import { createLocalConnection } from './local.js';
import { createNspawnConnection } from './nspawn.js';

/**
 * Drivers by `ansible_connection` name. Built-ins are registered here; user plugins from
 * `connection_plugins/` are added at start-up with `registerConnection`.
 */
const drivers = new Map<string, ConnectionFactory>([
  ['local', createLocalConnection],
  ['ansible.builtin.local', createLocalConnection],
  ['chroot', createChrootConnection],
  ['community.general.chroot', createChrootConnection],
  ['nspawn', createNspawnConnection],
  ['community.general.nspawn', createNspawnConnection],
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
