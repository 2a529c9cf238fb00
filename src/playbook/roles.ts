import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { MissingRoleError, ParseError, type SourcePosition } from '../core/errors.js';
import {
  checkKeys, COMMON_KEYS, commonKeywords, describe, HARMLESS_KEYS, isMapping, strictFlag, UNSUPPORTED_KEYS, where, type YamlMap,
} from './keywords.js';
import { argumentSpecTask } from './argumentSpecs.js';
import type { LoadContext } from './loadContext.js';
import { readTaskFile } from './taskFile.js';
import type { Block, Role, RoleReference, TaskItem } from './types.js';
import { positionOf, positionOfValue, readYamlFile } from '../core/yamlSource.js';

/**
 * Roles: found in `roles/` beside the playbook, then the roles_path folders, then beside the calling role,
 * then as a path from the playbook folder. A role's tasks, handlers, defaults and vars come from
 * <folder>/main.yml (or .yaml, .json, or no extension). meta/main.yml dependencies are loaded too and put
 * in front of the role's tasks as Blocks with the dependency's `role` set and its params as block vars;
 * within a play, a dependency with the same params already seen is skipped unless allow_duplicates.
 */

/** Which files of the role to read instead of main (import_role/include_role `tasks_from`...). */
export interface RoleFiles {
  tasksFrom?: string | undefined;
  handlersFrom?: string | undefined;
  varsFrom?: string | undefined;
  defaultsFrom?: string | undefined;
  /** `rolespec_validate`: start with the argument spec check when the role has one (default true). */
  validate?: boolean | undefined;
}

/** Keywords of a role reference; everything else in `- { role: x, ... }` is a role parameter. */
const ROLE_REFERENCE_KEYS = ['role', 'when', ...COMMON_KEYS, ...HARMLESS_KEYS, ...UNSUPPORTED_KEYS, 'delegate_to', 'delegate_facts'];

function findRoleDir(name: string, ctx: LoadContext, at: SourcePosition | undefined): string {
  const candidates = isAbsolute(name)
    ? [name]
    : [
        join(ctx.playbookDir, 'roles', name),
        ...(ctx.rolesPath ?? []).map((folder) => resolve(ctx.playbookDir, folder, name)),
        ...(ctx.role ? [join(dirname(ctx.role.path), name)] : []),
        join(ctx.playbookDir, name),
      ];
  const found = candidates.find((candidate) => existsSync(candidate) && statSync(candidate).isDirectory());
  if (!found) {
    const searched = [...new Set(candidates.map((candidate) => dirname(candidate)))].join(':');
    throw new MissingRoleError(`the role '${name}' was not found in ${searched}`, at);
  }
  return resolve(found);
}

export async function loadRoleByName(name: string, ctx: LoadContext, at: SourcePosition | undefined, files: RoleFiles = {}): Promise<Role> {
  const path = findRoleDir(name, ctx, at);
  return loadRoleDir(name, path, ctx, at ?? { file: path, line: 1, column: 1 }, files);
}

async function loadRoleDir(name: string, path: string, ctx: LoadContext, at: SourcePosition, files: RoleFiles): Promise<Role> {
  // A role may import its own other task files (import_role: name=self tasks_from=x): only the same
  // role entry point met again inside itself is a loop.
  const entry = `${path}\0${files.tasksFrom ?? 'main'}`;
  if (ctx.importChain.includes(entry)) throw new ParseError(`role dependency loop: '${name}' depends on itself`, at);
  const role: Role = { name: roleName(name), path, tasks: [], handlers: [], defaults: {}, vars: {} };
  const inner: LoadContext = { ...ctx, role, handlers: false, importChain: [...ctx.importChain, entry] };
  ctx.warnings.push(...(ctx.addPluginFolder?.(path, `role '${role.name}' (${path})`) ?? []));
  role.defaults = await readVarsFile(role, 'defaults', files.defaultsFrom, inner, at);
  role.vars = await readVarsFile(role, 'vars', files.varsFrom, inner, at);
  const dependencies = await loadDependencies(role, inner, at);
  const tasksFile = roleFile(role, 'tasks', files.tasksFrom, at);
  const ownTasks = tasksFile ? await readTaskFile(tasksFile, inner) : [];
  const handlersFile = roleFile(role, 'handlers', files.handlersFrom, at);
  const ownHandlers = handlersFile ? await readTaskFile(handlersFile, { ...inner, handlers: true }) : [];
  const validation = files.validate === false ? undefined : await argumentSpecTask(role, files.tasksFrom, inner);
  role.tasks = [...dependencies.map((dependency) => dependency.block), ...(validation ? [validation] : []), ...ownTasks];
  role.handlers = [...dependencies.flatMap((dependency) => dependency.handlers), ...ownHandlers];
  return role;
}

/** `roles/common` → `common`; a path given as the role name is known by its last folder. */
function roleName(name: string): string {
  return name.replace(/\/+$/, '').split('/').at(-1) ?? name;
}

/** `<role>/<folder>/<base>` with the extensions Ansible tries; undefined when main is absent. */
function roleFile(role: Role, folder: string, from: string | undefined, at: SourcePosition): string | undefined {
  // An absolute or ../ name may not leave the role's folder, as in Ansible.
  const base = resolve(role.path, folder, from ?? 'main');
  const expected = join(role.path, folder);
  if (!base.startsWith(`${expected}/`)) {
    throw new ParseError(`Failed loading '${from}' for role (${role.name}) as it is not inside the expected role path: '${expected}'`, at);
  }
  const found = ['', '.yml', '.yaml', '.json'].map((ext) => base + ext).find((file) => existsSync(file) && statSync(file).isFile());
  if (!found && from !== undefined) throw new ParseError(`Could not find specified file in role: ${folder}/${from}`, at);
  return found;
}

async function readVarsFile(role: Role, folder: 'defaults' | 'vars', from: string | undefined, ctx: LoadContext, at: SourcePosition): Promise<Record<string, unknown>> {
  // As in Ansible, `vars/main/` (or `vars/<vars_from>/`) may be a folder: its files are read in sorted order.
  const asFolder = join(role.path, folder, from ?? 'main');
  if (existsSync(asFolder) && statSync(asFolder).isDirectory()) {
    const merged: Record<string, unknown> = {};
    for (const file of varsFilesIn(asFolder)) Object.assign(merged, await readOneVarsFile(role, folder, file, ctx, at));
    return merged;
  }
  const file = roleFile(role, folder, from, at);
  if (!file) return {};
  return readOneVarsFile(role, folder, file, ctx, at);
}

/** The YAML/JSON files of a folder and its subfolders, each folder's entries in sorted order. */
function varsFilesIn(folder: string): string[] {
  return readdirSync(folder).sort().flatMap((entry) => {
    const path = join(folder, entry);
    if (statSync(path).isDirectory()) return varsFilesIn(path);
    return ['.yml', '.yaml', '.json'].includes(extname(entry)) ? [path] : [];
  });
}

async function readOneVarsFile(role: Role, folder: string, file: string, ctx: LoadContext, at: SourcePosition): Promise<Record<string, unknown>> {
  const yaml = await readYamlFile(file, at);
  ctx.warnings.push(...yaml.warnings);
  if (yaml.value === null) return {};
  if (!isMapping(yaml.value)) throw new ParseError(`${folder} of role '${role.name}' must be a mapping, got ${describe(yaml.value)}`, { file, line: 1, column: 1 });
  return { ...yaml.value };
}

/** Roles whose meta/main.yml sets allow_duplicates, noted when the meta file is read for dependencies. */
const duplicatesAllowed = new WeakSet<Role>();

interface LoadedDependency {
  block: Block;
  handlers: TaskItem[];
}

async function loadDependencies(role: Role, ctx: LoadContext, at: SourcePosition): Promise<LoadedDependency[]> {
  const file = roleFile(role, 'meta', undefined, at);
  if (!file) return [];
  const yaml = await readYamlFile(file, at);
  ctx.warnings.push(...yaml.warnings);
  const meta = yaml.value;
  if (meta === null) return [];
  const metaPos = { file, line: 1, column: 1 };
  if (!isMapping(meta)) throw new ParseError(`meta/main.yml of role '${role.name}' must be a mapping, got ${describe(meta)}`, metaPos);
  if (strictFlag(meta, 'allow_duplicates', metaPos)) duplicatesAllowed.add(role);
  // A dependency the play already ran is not run again, but its vars and defaults are still the role's.
  const dropped: Role[] = [];
  const references = await parseRoleReferences(meta.dependencies, ctx, where(meta, 'dependencies', metaPos), dropped);
  role.dependencies = [...references.map((reference) => reference.role), ...dropped];
  return references.map((reference) => {
    const { role: dependency, params, ...keywords } = reference;
    const block: Block = { ...keywords, vars: { ...params }, kind: 'block', block: dependency.tasks, rescue: [], always: [], role: dependency };
    return { block, handlers: dependency.handlers };
  });
}

/**
 * A play's `roles:` (or meta `dependencies:`): names or `{ role: name, keywords..., params... }`.
 * References to a role already seen in this play with the same params are dropped (Ansible runs a role
 * once per play) unless the role's meta sets allow_duplicates.
 */
export async function parseRoleReferences(value: unknown, ctx: LoadContext, at: SourcePosition, dropped: Role[] = []): Promise<RoleReference[]> {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new ParseError(`roles must be a list, got ${describe(value)}`, at);
  const references: RoleReference[] = [];
  for (const [index, entry] of value.entries()) {
    const pos = positionOf(entry) ?? positionOfValue(value, index) ?? at;
    const reference = await parseRoleReference(entry, ctx, pos);
    const key = `${reference.role.path}\0${JSON.stringify(reference.params)}`;
    if (ctx.rolesSeen.has(key) && !duplicatesAllowed.has(reference.role)) {
      dropped.push(reference.role);
      continue;
    }
    ctx.rolesSeen.add(key);
    references.push(reference);
  }
  return references;
}

async function parseRoleReference(entry: unknown, ctx: LoadContext, pos: SourcePosition): Promise<RoleReference> {
  const map: YamlMap = typeof entry === 'string' ? { role: entry } : isMapping(entry) ? entry : {};
  if (typeof entry !== 'string' && !isMapping(entry)) throw new ParseError(`a role must be a name or a mapping with 'role:', got ${describe(entry)}`, pos);
  const name = map.role ?? map.name;
  if (typeof name !== 'string' || name === '') throw new ParseError("role definitions must contain a role name ('role: name')", pos);
  if (name.includes('{{')) throw new ParseError(`a templated role name is not supported in 'roles:': use include_role`, where(map, 'role' in map ? 'role' : 'name', pos));
  const params: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(map)) {
    if (!ROLE_REFERENCE_KEYS.includes(key)) params[key] = item;
  }
  checkKeys(map, 'Role', [...ROLE_REFERENCE_KEYS.filter((key) => !key.startsWith('delegate_')), ...Object.keys(params)], pos);
  const keywords = commonKeywords(map, pos);
  const role = await loadRoleByName(name, ctx, pos);
  // The role's name is not a play `name`; `vars:` on a reference act as role params (as in Ansible).
  delete keywords.name;
  return { ...keywords, role, params: { ...params, ...keywords.vars }, vars: {} };
}
