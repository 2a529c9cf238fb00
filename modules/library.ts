import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, extname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ModuleError } from '../src/core/errors.js';
import type { ModuleDefinition } from './module.js';

/**
 * Modules a playbook brings with it, as Ansible's module path does: `library/NAME.js` (or `.mjs`) beside the
 * playbook, inside a role, or in a `-M/--module-path` folder is module NAME. Such a file is plain ESM
 * JavaScript whose default export (or named export `module`) is a ModuleDefinition (modules/module.ts);
 * it is imported when a task first uses it. A JS module answers to its short name and `ansible.legacy.NAME`,
 * and shadows a built-in module of that short name, as a library module shadows ansible.legacy ones.
 *
 * Python plugins (library/*.py, action_plugins/, filter_plugins/, lookup_plugins/, module_utils/) cannot run
 * here: a folder holding some is named in a warning once, and a task using such a module fails naming it.
 */

interface LibraryModule {
  file: string;
  /** A Python (or other non-JS) module: known, so the play loads, but it cannot run. */
  foreign: boolean;
  loaded?: Promise<ModuleDefinition>;
}

const libraryModules = new Map<string, LibraryModule>();
const scannedFolders = new Set<string>();

/** Folders next to a playbook or in a role that hold Python plugins playtree cannot use. */
const PYTHON_PLUGIN_FOLDERS = ['library', 'action_plugins', 'filter_plugins', 'lookup_plugins', 'module_utils', 'test_plugins'];

/**
 * Register the `library/` modules of `folder` (a playbook folder or a role), or of `folder` itself when it
 * is a module folder given with -M. Returns warnings to print, at most one per folder and only the first time.
 */
export function addModuleFolder(folder: string, options: { isLibrary?: boolean; owner?: string } = {}): string[] {
  const base = resolve(folder);
  if (scannedFolders.has(base)) return [];
  scannedFolders.add(base);
  const library = options.isLibrary ? base : join(base, 'library');
  for (const entry of filesOf(library)) {
    const extension = extname(entry);
    const name = basename(entry, extension);
    const file = join(library, entry);
    if (extension === '.js' || extension === '.mjs') libraryModules.set(name, { file, foreign: false });
    else if (!libraryModules.has(name) && (extension === '.py' || extension === '')) libraryModules.set(name, { file, foreign: true });
  }
  if (!options.isLibrary) {
    // An action plugin makes its file name an action too (e.g. a role's action_plugins/render.py).
    for (const entry of filesOf(join(base, 'action_plugins')).filter((e) => e.endsWith('.py'))) {
      const name = basename(entry, '.py');
      if (!libraryModules.has(name)) libraryModules.set(name, { file: join(base, 'action_plugins', entry), foreign: true });
    }
  }
  const python = options.isLibrary ? [] : pythonPlugins(base);
  if (python.length === 0) return [];
  const owner = options.owner ?? base;
  return [`${owner} ships Python plugins that playtree cannot run (no Python is used): ${python.join(', ')}; tasks using these modules will fail, filters and lookups will be undefined`];
}

function filesOf(folder: string): string[] {
  if (!existsSync(folder)) return [];
  try {
    return readdirSync(folder).filter((entry) => !entry.startsWith('.') && !entry.startsWith('__') && statSync(join(folder, entry)).isFile()).sort();
  } catch {
    return [];
  }
}

function pythonPlugins(base: string): string[] {
  const found: string[] = [];
  for (const folder of PYTHON_PLUGIN_FOLDERS) {
    const path = join(base, folder);
    const files = folder === 'module_utils' ? filesOf(path) : filesOf(path).filter((entry) => entry.endsWith('.py') || (folder === 'library' && extname(entry) === ''));
    found.push(...files.map((entry) => relative(base, join(path, entry))));
  }
  return found;
}

function libraryEntry(name: string): LibraryModule | undefined {
  return libraryModules.get(name.startsWith('ansible.legacy.') ? name.slice('ansible.legacy.'.length) : name);
}

/** Whether a library folder provides this name (JS or not). */
export function isLibraryModule(name: string): boolean {
  return libraryEntry(name) !== undefined;
}

/** Whether a JS library module of this name shadows a built-in (short names and ansible.legacy.). */
export function hasJsLibraryModule(name: string): boolean {
  const found = libraryEntry(name);
  return found !== undefined && !found.foreign;
}

/** The library module of this name, imported on first use; a Python one throws a ModuleError naming it. */
export function loadLibraryModule(name: string): Promise<ModuleDefinition> | undefined {
  const found = libraryEntry(name);
  if (!found) return undefined;
  if (found.foreign) {
    return Promise.reject(new ModuleError(
      `module '${name}' is the Python plugin ${found.file}, which playtree cannot run; write it as a JS module (library/${basename(found.file, extname(found.file))}.js exporting a ModuleDefinition) or use a built-in module`,
    ));
  }
  found.loaded ??= importModule(found.file);
  return found.loaded;
}

async function importModule(file: string): Promise<ModuleDefinition> {
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new ModuleError(`module ${file} failed to load: ${message.split('\n')[0]}; fix the file or remove it`);
  }
  const definition = (loaded['default'] ?? loaded['module']) as Partial<ModuleDefinition> | undefined;
  if (!definition || typeof definition !== 'object' || typeof definition.run !== 'function' || typeof definition.args !== 'object') {
    throw new ModuleError(`module ${file} exports no module; export default (or export const module) an object with name, args and run(ctx) (see modules/module.ts)`);
  }
  return { name: basename(file, extname(file)), ...definition } as ModuleDefinition;
}
