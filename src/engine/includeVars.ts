import { readdir, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import type { ModuleResult } from '../../modules/module.js';
import { toBoolean } from '../core/boolean.js';
import { ModuleError, ParseError, PlaytreeError } from '../core/errors.js';
import { parseKv } from '../core/kvSplit.js';
import { readYamlFile } from '../playbook/index.js';
import { compilePythonRegex } from '../core/pythonRegex.js';
import { VaultError } from '../core/vaultKeyring.js';
import { mergeDicts } from '../template/collectionFilters.js';
import { isMapping } from '../core/pythonValues.js';
import { isOmit } from '../template/index.js';
import { findControllerFile, type Invocation } from './invokeModule.js';

/*
 * `include_vars`, carried out by the engine as Ansible's action plugin is on the controller: one file
 * (`include_vars: f.yml`, `file:`) or a folder (`dir:` with `depth`, `files_matching`, `ignore_files`,
 * `extensions`, `ignore_unknown_extensions`), optionally under one `name:`. The variables come back as
 * `ansible_facts` (with `ansible_included_var_files`); the engine keeps them per host, above task vars and
 * below set_fact (runStep applyFacts, variables.ts). A file that cannot be read fails the task with Ansible's
 * `message`, naming the file and the task.
 */

const DIR_ARGS = ['dir', 'depth', 'files_matching', 'ignore_files', 'extensions', 'ignore_unknown_extensions'];
const FILE_ARGS = ['file', '_raw_params'];
const COMMON_ARGS = ['name', 'hash_behaviour'];
const DEFAULT_EXTENSIONS = ['yaml', 'yml', 'json'];
const REMOTE_SRC_HINT = 'If you are using a module and expect the file to exist on the remote, see the remote_src option';

export function isIncludeVars(action: string): boolean {
  return action === 'include_vars' || action === 'ansible.builtin.include_vars' || action === 'ansible.legacy.include_vars';
}

/** Thrown for a file that stops the include: becomes the result's `message`, as Ansible reports it. */
class IncludeFailure extends Error {}

interface Loaded {
  vars: Record<string, unknown>;
  files: string[];
}

export async function runIncludeVars(invocation: Invocation): Promise<ModuleResult> {
  const args = includeVarsArgs(invocation);
  const loaded: Loaded = { vars: {}, files: [] };
  let failure: string | undefined;
  try {
    if (args['dir'] !== undefined) await loadFolder(invocation, args, loaded);
    else await loadOneFile(invocation, args, loaded);
  } catch (error) {
    // A file that cannot be used is reported in the result; a wrong argument fails the task as any other.
    // A vault file no password opens fails the task too, as in Ansible.
    if (!(error instanceof IncludeFailure || error instanceof ParseError || error instanceof VaultError)) throw error;
    failure = error.message;
  }
  const name = args['name'];
  let facts: Record<string, unknown> = loaded.vars;
  if (name !== undefined && name !== null && name !== '') facts = { [String(name)]: facts };
  const result: ModuleResult = { changed: false, ansible_included_var_files: loaded.files, ansible_facts: facts };
  if (failure !== undefined) {
    const task = invocation.task;
    return { ...result, failed: true, message: `${failure} (task '${task.name ?? task.action}' at ${position(invocation)})` };
  }
  if (args['hash_behaviour'] === 'merge') {
    for (const [key, value] of Object.entries(facts)) facts[key] = mergeHashes(invocation.vars[key], value);
  }
  return result;
}

function position(invocation: Invocation): string {
  const { file, line, column } = invocation.task.position;
  return `${file}:${line}:${column}`;
}

/** The task's arguments, templated, checked as the action plugin checks them (names, file and dir mixed). */
function includeVarsArgs(invocation: Invocation): Record<string, unknown> {
  const { task, templar } = invocation;
  const raw = typeof task.args === 'string' ? parseKv(task.args) : task.args;
  const args: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(templar.render(raw) as Record<string, unknown>)) if (!isOmit(value)) args[key] = value;
  let dirs = 0;
  let files = 0;
  for (const key of Object.keys(args)) {
    if (DIR_ARGS.includes(key)) dirs++;
    else if (FILE_ARGS.includes(key)) files++;
    else if (!COMMON_ARGS.includes(key)) throw new ModuleError(`${key} is not a valid option in include_vars`);
  }
  if (dirs && files) throw new ModuleError('You are mixing file only and dir only arguments, these are incompatible');
  if (!dirs && !files) throw new ModuleError("include_vars needs a file ('include_vars: file.yml' or 'file:') or 'dir:'");
  return args;
}

/**
 * One file, looked up as Ansible's `_find_needle('vars', ...)`: the role's vars/ and folder, beside the
 * task file (and its vars/), then the playbook folder's vars/ and the folder itself.
 */
async function loadOneFile(invocation: Invocation, args: Record<string, unknown>, loaded: Loaded): Promise<void> {
  const given = args['file'] ?? args['_raw_params'];
  const name = String(given ?? '').replace(/\n+$/, '');
  if (name === '') {
    // A file argument that templated to nothing (a lookup with errors='ignore'): Ansible looks for no file.
    if (given === null || given === undefined) invocation.ctx.run.events.warning('Invalid request to find a file that matches a "null" value');
    throw new IncludeFailure(`Could not find file on the Ansible Controller.\n${REMOTE_SRC_HINT}`);
  }
  let path: string;
  try {
    path = findControllerFile(invocation.ctx, invocation.task, invocation.scope, 'vars', name);
  } catch (error) {
    throw new IncludeFailure((error as Error).message);
  }
  Object.assign(loaded.vars, await readVars(path, name));
  loaded.files.push(path);
}

/**
 * A folder: in a role relative to its vars/ (a `vars/...` path to the role folder), else to the task
 * file's folder. Files are read folder by folder in the order of the sorted paths, as Ansible walks them;
 * `depth: N` reads the first N folders of that order (0: all).
 */
async function loadFolder(invocation: Invocation, args: Record<string, unknown>, loaded: Loaded): Promise<void> {
  const folder = await folderToRead(invocation, String(args['dir']));
  const info = await stat(folder).catch(() => undefined);
  if (!info) throw new IncludeFailure(`${folder} directory does not exist`);
  if (!info.isDirectory()) throw new IncludeFailure(`${folder} is not a directory`);
  const depth = Number(args['depth'] ?? 0) || 0;
  const matching = args['files_matching'] ? compilePythonRegex(String(args['files_matching'])) : undefined;
  const ignored = ignorePatterns(args['ignore_files']);
  const extensions = extensionList(args['extensions']);
  // Ansible's bool type: yes/no, on/off, 1/0 and true/false, as text or not.
  const skipUnknown = toBoolean(args['ignore_unknown_extensions']) === true;
  const walked = (await walkFolders(folder)).sort((a, b) => (a.root < b.root ? -1 : a.root > b.root ? 1 : 0));
  for (const { root, files } of depth > 0 ? walked.slice(0, depth) : walked) {
    // A folder's variables count only once the whole folder has been read, as in Ansible.
    const fromFolder: Record<string, unknown> = {};
    for (const file of [...files].sort()) {
      if (matching && !matching.test(file)) continue;
      const path = joinPath(root, file);
      if (ignored.some((pattern) => pattern.test(file)) || !(await stat(path).catch(() => undefined))) continue;
      const valid = extensions.includes(extname(file).slice(1));
      if (!valid && skipUnknown) continue;
      if (!valid) throw new IncludeFailure(`${path} does not have a valid extension: ${extensions.join(', ')}`);
      Object.assign(fromFolder, await readVars(path, path));
      loaded.files.push(path);
    }
    Object.assign(loaded.vars, fromFolder);
  }
}

async function folderToRead(invocation: Invocation, dir: string): Promise<string> {
  const role = invocation.task.role ?? invocation.scope.role;
  if (!role) return joinPath(parentOf(invocation.task.position.file), dir);
  if (dir.split('/')[0] !== 'vars') return joinPath(joinPath(role.path, 'vars'), dir);
  const inRole = joinPath(role.path, dir);
  return (await stat(inRole).catch(() => undefined)) ? inRole : dir;
}

/** `ignore_files`: a list (or space-separated text) of Python regexes each matched at a name's end. */
function ignorePatterns(value: unknown): RegExp[] {
  if (value === undefined || value === null || value === '') return [];
  const list = typeof value === 'string' ? value.split(/\s+/).filter(Boolean) : value;
  if (!Array.isArray(list)) throw new ModuleError(`include_vars: ignore_files must be a list, got ${JSON.stringify(value)}`);
  return list.map((pattern) => {
    try {
      return compilePythonRegex(`${String(pattern)}$`);
    } catch {
      throw new ModuleError(`Invalid regular expression: ${String(pattern)}`);
    }
  });
}

function extensionList(value: unknown): string[] {
  if (value === undefined || value === null) return DEFAULT_EXTENSIONS;
  if (typeof value === 'string') return value.split(',').map((item) => item.trim()).filter(Boolean);
  if (!Array.isArray(value)) throw new ModuleError('Invalid type for "extensions" option, it must be a list');
  return value.map(String);
}

/** Every folder under `top` (itself included) with the files in it; links to folders are not entered. */
async function walkFolders(top: string): Promise<Array<{ root: string; files: string[] }>> {
  const found: Array<{ root: string; files: string[] }> = [];
  const visit = async (root: string): Promise<void> => {
    const entries = await readdir(root, { withFileTypes: true }).catch(() => undefined);
    if (!entries) return;
    const files: string[] = [];
    const folders: string[] = [];
    for (const entry of entries) {
      const isFolder = entry.isDirectory() || (entry.isSymbolicLink() && (await stat(joinPath(root, entry.name)).catch(() => undefined))?.isDirectory());
      if (!isFolder) files.push(entry.name);
      else if (entry.isDirectory()) folders.push(entry.name);
    }
    found.push({ root, files });
    for (const folder of folders) await visit(joinPath(root, folder));
  };
  await visit(top);
  return found;
}

/** A vars file's mapping; an empty file is none. `shown` is the name the failure message uses. */
async function readVars(path: string, shown: string): Promise<Record<string, unknown>> {
  const yaml = await readYamlFile(path).catch((error: unknown) => {
    if (error instanceof PlaytreeError && /^could not find '/.test(error.message)) throw new IncludeFailure(`Could not find or access '${shown}'`);
    throw error;
  });
  const value = yaml.value;
  if (value === null || value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new IncludeFailure(`${path} must be stored as a dictionary/hash`);
  return { ...(value as Record<string, unknown>) };
}

/** Python's os.path.join: no normalisation, an absolute second part replaces the first. */
function joinPath(first: string, second: string): string {
  if (second.startsWith('/')) return second;
  return first === '' || first.endsWith('/') ? first + second : `${first}/${second}`;
}

function parentOf(file: string): string {
  return file.split('/').slice(0, -1).join('/');
}

/** `hash_behaviour: merge`: mappings merge recursively with the variable's current value; the rest replaces. */
function mergeHashes(current: unknown, update: unknown): unknown {
  return isMapping(current) && isMapping(update) ? mergeDicts(current, update, true, 'replace') : update;
}
