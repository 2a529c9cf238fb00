import { ConnectionError } from '../src/errors.js';
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

export function connectionFactory(name: string, host: string): ConnectionFactory {
  const factory = drivers.get(name);
  if (!factory) {
    const known = [...drivers.keys()].filter((n) => !n.includes('.')).sort().join(', ');
    throw new ConnectionError(
      `${host}: unknown connection '${name}' (known: ${known}); put a driver in connection_plugins/${name}.js to add it`,
      host,
    );
  }
  return factory;
}
