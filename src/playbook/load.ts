import { dirname, isAbsolute, resolve } from 'node:path';
import { ParseError, type SourcePosition } from '../core/errors.js';
import { checkKeys, commonKeywords, describe, isMapping, optionalString, where, type YamlMap } from './keywords.js';
import { newLoadContext, type LoadContext, type LoadOptions } from './loadContext.js';
import { renderStaticName } from './staticNames.js';
import { parsePlay } from './play.js';
import { loadRoleByName, type RoleFiles } from './roles.js';
import { readTaskFile } from './taskFile.js';
import { parseTaskList } from './tasks.js';
import type { Play, Playbook, Role, TaskItem } from './types.js';
import { positionOf, positionOfValue, readYamlFile } from '../core/yamlSource.js';

/**
 * The loader's entry points: a whole playbook (import_playbook expanded in place), and the task files and
 * roles the engine loads at run time for include_tasks / include_role.
 */

/** import_playbook keywords (Ansible's PlaybookInclude attributes playtree implements). */
const IMPORT_PLAYBOOK_KEYS = ['import_playbook', 'ansible.builtin.import_playbook', 'when'];

export async function loadPlaybook(file: string, options: LoadOptions): Promise<Playbook> {
  const path = resolve(file);
  const ctx = newLoadContext(options, dirname(path), parseTaskList);
  const plays = await loadPlays(path, ctx);
  return { file: path, dir: dirname(path), plays, warnings: ctx.warnings };
}

async function loadPlays(file: string, ctx: LoadContext, from?: SourcePosition): Promise<Play[]> {
  const yaml = await readYamlFile(file, from);
  ctx.warnings.push(...yaml.warnings);
  ctx.warnings.push(...(ctx.addPluginFolder?.(dirname(file), `the playbook folder ${dirname(file)}`) ?? []));
  const top: SourcePosition = { file, line: 1, column: 1 };
  if (yaml.value === null || (Array.isArray(yaml.value) && yaml.value.length === 0)) {
    throw new ParseError(`Empty playbook, nothing to do: ${file}`, from);
  }
  if (!Array.isArray(yaml.value)) throw new ParseError(`A playbook must be a list of plays, got ${describe(yaml.value)} instead`, positionOf(yaml.value) ?? top);
  const chain = [...ctx.importChain, file];
  const plays: Play[] = [];
  for (const [index, entry] of yaml.value.entries()) {
    const pos = positionOf(entry) ?? positionOfValue(yaml.value, index) ?? top;
    if (!isMapping(entry)) throw new ParseError(`a play must be a mapping of keywords, got ${describe(entry)}`, pos);
    if ('include' in entry) throw new ParseError("'include' of a playbook is not supported by playtree: use import_playbook", pos);
    if ('import_playbook' in entry || 'ansible.builtin.import_playbook' in entry) {
      plays.push(...(await importPlaybook(entry, { ...ctx, importChain: chain }, pos)));
    } else {
      plays.push(await parsePlay(entry, { ...ctx, importChain: chain }, pos));
    }
  }
  return plays;
}

/**
 * `- import_playbook: other.yml` (relative to the importing file). As in Ansible, its vars override each
 * imported play's vars, its tags are added to the plays', and its `when` goes into Play.when (ANDed into
 * every task of those plays by the engine).
 */
async function importPlaybook(entry: YamlMap, ctx: LoadContext, pos: SourcePosition): Promise<Play[]> {
  checkKeys(entry, 'PlaybookInclude', IMPORT_PLAYBOOK_KEYS, pos);
  const key = 'import_playbook' in entry ? 'import_playbook' : 'ansible.builtin.import_playbook';
  const written = optionalString(entry, key, pos);
  const at = where(entry, key, pos);
  if (!written) throw new ParseError('import_playbook needs a playbook file name', at);
  const keywords = commonKeywords(entry, pos);
  // The imported plays' names and static imports may use the import's vars (and extra vars).
  const inner: LoadContext = { ...ctx, loadVars: { ...ctx.loadVars, ...keywords.vars } };
  const name = renderStaticName(written, inner, at, 'a templated import_playbook name');
  const file = isAbsolute(name) ? name : resolve(dirname(pos.file), name);
  if (ctx.importChain.includes(file)) throw new ParseError(`import loop: '${file}' imports itself`, at);
  const plays = await loadPlays(file, inner, at);
  for (const play of plays) {
    play.vars = { ...play.vars, ...keywords.vars };
    play.tags = [...new Set([...play.tags, ...keywords.tags])];
    play.when = [...keywords.when, ...play.when];
  }
  return plays;
}

/** Options for the run-time loaders (include_tasks, include_role). */
export interface RuntimeLoadOptions extends LoadOptions {
  /** The role the include is in: tasks loaded get `role` set, and its tasks/ folder is searched. */
  role?: Role | undefined;
  /** `playbook_dir`, the last place relative files are looked for (default: the file's folder). */
  playbookDir?: string;
  /** Where load warnings go (Python plugins a role ships...); dropped when absent. */
  warnings?: string[];
  /** The file is included by a handler: its tasks are read as handlers. */
  handlers?: boolean;
  /** Roles (path and params) the play already has: dependencies among them are left out, new ones are added. */
  rolesSeen?: Set<string>;
}

/** Load a task file for `include_tasks` (the engine has resolved the path). */
export async function loadTaskFile(file: string, options: RuntimeLoadOptions): Promise<TaskItem[]> {
  const path = resolve(file);
  const ctx = newLoadContext(options, options.playbookDir ?? dirname(path), parseTaskList);
  if (options.role) ctx.role = options.role;
  if (options.handlers) ctx.handlers = true;
  return readTaskFile(path, ctx);
}

/**
 * Load a role for `include_role`: looked up from `fromDir` (the playbook folder) as `roles:` would be.
 * Its handlers are in `role.handlers`; meta dependencies are in front of its tasks.
 */
export async function loadRole(name: string, fromDir: string, options: RuntimeLoadOptions & RoleFiles): Promise<Role> {
  const ctx = newLoadContext(options, resolve(fromDir), parseTaskList);
  if (options.role) ctx.role = options.role;
  if (options.warnings) ctx.warnings = options.warnings;
  if (options.rolesSeen) ctx.rolesSeen = options.rolesSeen;
  const role = await loadRoleByName(name, ctx, undefined, options);
  // Handlers of roles its tasks import (import_role) come with it, as a play's do.
  role.handlers = [...role.handlers, ...ctx.roleHandlers.filter((handler) => !role.handlers.includes(handler))];
  return role;
}

/** A vars file (`vars_files`, `include_vars`): a mapping of variables; an empty file is none. */
export async function loadVarsFile(file: string): Promise<Record<string, unknown>> {
  const yaml = await readYamlFile(file);
  if (yaml.value === null) return {};
  if (!isMapping(yaml.value)) throw new ParseError(`vars file must be a mapping of variable names to values, got ${describe(yaml.value)}`, { file, line: 1, column: 1 });
  return { ...yaml.value };
}
