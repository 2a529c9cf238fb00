import { readdir } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConnectionError } from '../src/core/errors.js';
import type { Connection, ConnectionFactory, ConnectionOptions } from './connection.js';
import { registerConnection } from './registry.js';

/** The methods a plugin's connection must have (the Connection contract, checked at run time). */
const REQUIRED_METHODS = ['open', 'exec', 'put', 'fetch', 'close'] as const;

/**
 * Register every `connection_plugins/NAME.js` / `NAME.mjs` found in `folders` (the folders of the inventory,
 * the playbook and ansible.cfg, or their connection_plugins/ folders) as driver NAME. A plugin's default export, or its named
 * export `createConnection`, is a ConnectionFactory. Later folders win over earlier ones for the same NAME,
 * and a plugin may replace a built-in driver (as in Ansible, where a local plugin shadows a collection's).
 */
export async function loadConnectionPlugins(folders: readonly string[]): Promise<void> {
  for (const folder of [...new Set(folders.map((f) => resolve(f)))]) {
    // A caller may also pass the connection_plugins/ folder itself (the CLI does): never look one level deeper.
    const pluginFolder = basename(folder) === 'connection_plugins' ? folder : join(folder, 'connection_plugins');
    const entries = await readdir(pluginFolder).catch(() => [] as string[]);
    for (const entry of entries.sort()) {
      const extension = extname(entry);
      if (extension !== '.js' && extension !== '.mjs') continue;
      const file = join(pluginFolder, entry);
      registerConnection(basename(entry, extension), await loadPluginFactory(file));
    }
  }
}

/** Import one plugin file and return its factory, wrapped so that what it builds is checked on first use. */
export async function loadPluginFactory(file: string): Promise<ConnectionFactory> {
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    throw new ConnectionError(`connection plugin ${file} failed to load: ${firstLine(error)}; fix the file or remove it`);
  }
  const factory = typeof loaded['default'] === 'function' ? loaded['default'] : loaded['createConnection'];
  if (typeof factory !== 'function') {
    throw new ConnectionError(
      `connection plugin ${file} exports no connection factory; export default (or export createConnection) a function (options) => connection`,
    );
  }
  return (options: ConnectionOptions) => checkConnection(file, (factory as (o: ConnectionOptions) => unknown)(options));
}

function checkConnection(file: string, made: unknown): Connection {
  if (typeof made !== 'object' || made === null) {
    throw new ConnectionError(`connection plugin ${file}: its factory returned ${made === null ? 'null' : typeof made}, not a connection object`);
  }
  const missing = REQUIRED_METHODS.filter((method) => typeof (made as Record<string, unknown>)[method] !== 'function');
  if (missing.length > 0) {
    throw new ConnectionError(
      `connection plugin ${file}: its connection does not implement ${missing.map((m) => `${m}()`).join(', ')}; add the missing method(s) (see connections/connection.ts)`,
    );
  }
  if (typeof (made as Record<string, unknown>)['transport'] !== 'string') {
    throw new ConnectionError(`connection plugin ${file}: its connection has no 'transport' name; add a string property transport`);
  }
  return made as Connection;
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}
