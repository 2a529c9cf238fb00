import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parseKeyValue } from '../core/kvSplit.js';
import { MissingImportError, ParseError } from '../core/errors.js';
import { toBoolean } from '../core/boolean.js';
import { isMapping } from './keywords.js';
import type { LoadContext } from './loadContext.js';
import { renderStaticName } from './staticNames.js';
import { loadRoleByName } from './roles.js';
import { readTaskFile } from './taskFile.js';
import type { Block, CommonKeywords, Task, TaskItem } from './types.js';

/**
 * import_tasks and import_role are static: expanded at load time into a Block whose `block` holds the
 * imported tasks and whose keywords (when, tags, vars, become, environment...) are the import task's, so
 * they apply to every imported task through ordinary block inheritance. An import_role Block has `role`
 * set; that role's handlers are added to the play's handlers.
 */

const IMPORT_ROLE_ARGS = ['name', 'tasks_from', 'vars_from', 'defaults_from', 'handlers_from', 'allow_duplicates', 'public', 'rolespec_validate'];

export async function importTasks(task: Task, ctx: LoadContext): Promise<Block> {
  refuseLoop(task, 'import_tasks', 'include_tasks');
  const args = argsMapping(task);
  const name = args.file ?? args._raw_params;
  if (typeof name !== 'string' || name.trim() === '') {
    throw new ParseError("import_tasks needs a file name ('import_tasks: file.yml')", task.actionPosition);
  }
  const file = findTaskFile(renderStaticName(name, ctx, task.actionPosition, 'a templated import_tasks name', 'include_tasks').trim(), task, ctx);
  if (ctx.importChain.includes(file)) {
    throw new ParseError(`import loop: '${file}' imports itself; use include_tasks with a condition for recursion`, task.actionPosition);
  }
  const items = await readTaskFile(file, { ...ctx, importChain: [...ctx.importChain, file] }, task.actionPosition);
  delegateItems(items, task);
  return wrapInBlock(task, items);
}

/** Give imported tasks (freshly parsed, so ours to change) the import's delegate_to/delegate_facts unless they set their own. */
function delegateItems(items: TaskItem[], from: Task): void {
  if (from.delegateTo === undefined && from.delegateFacts === undefined) return;
  for (const item of items) {
    if (item.kind === 'block') {
      delegateItems([...item.block, ...item.rescue, ...item.always], from);
      continue;
    }
    if (item.delegateTo === undefined && from.delegateTo !== undefined) item.delegateTo = from.delegateTo;
    if (item.delegateFacts === undefined && from.delegateFacts !== undefined) item.delegateFacts = from.delegateFacts;
  }
}

export async function importRole(task: Task, ctx: LoadContext): Promise<Block> {
  refuseLoop(task, 'import_role', 'include_role');
  const args = argsMapping(task);
  for (const key of Object.keys(args)) {
    if (!IMPORT_ROLE_ARGS.includes(key)) throw new ParseError(`Invalid options for import_role: ${key}`, task.actionPosition);
  }
  const name = args.name;
  if (typeof name !== 'string' || name === '') throw new ParseError("import_role needs 'name'", task.actionPosition);
  const rendered = (value: string) => renderStaticName(value, ctx, task.actionPosition, 'a templated import_role argument', 'include_role');
  const from = (key: string) => (typeof args[key] === 'string' ? rendered(args[key] as string) : undefined);
  const role = await loadRoleByName(rendered(name), ctx, task.actionPosition, {
    tasksFrom: from('tasks_from'),
    varsFrom: from('vars_from'),
    defaultsFrom: from('defaults_from'),
    handlersFrom: from('handlers_from'),
    validate: toBoolean(typeof args.rolespec_validate === 'string' ? rendered(args.rolespec_validate) : args.rolespec_validate) ?? true,
  });
  // The import's delegate_to and delegate_facts reach the role's tasks and its handlers, as in ansible-core.
  delegateItems([...role.tasks, ...role.handlers], task);
  ctx.roleHandlers.push(...role.handlers);
  // allow_duplicates: false: a role the play already has with the same vars is not run again.
  const written = args.allow_duplicates;
  const allowDuplicates = toBoolean(typeof written === 'string' ? rendered(written) : written) ?? true;
  const key = `${role.path}\0${JSON.stringify(task.vars)}`;
  const duplicate = !allowDuplicates && ctx.rolesSeen.has(key);
  ctx.rolesSeen.add(key);
  const block = wrapInBlock(task, duplicate ? [] : role.tasks);
  block.role = role;
  block.importsRole = true;
  return block;
}

function wrapInBlock(task: Task, items: TaskItem[]): Block {
  const block: Block = { ...pickCommon(task), kind: 'block', block: items, rescue: [], always: [] };
  if (task.role) block.role = task.role;
  return block;
}

/** Only the CommonKeywords fields of a task (not its action, args, loop...). */
function pickCommon(task: CommonKeywords): CommonKeywords {
  const { name, when, tags, vars, environment, become, becomeUser, becomeMethod, remoteUser, port, ignoreErrors, anyErrorsFatal, runOnce, connection, checkMode, diff, noLog, moduleDefaults, throttle, position } = task;
  const picked: CommonKeywords = { when, tags, vars, position };
  const optional = { name, environment, become, becomeUser, becomeMethod, remoteUser, port, ignoreErrors, anyErrorsFatal, runOnce, connection, checkMode, diff, noLog, moduleDefaults, throttle };
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined) (picked as unknown as Record<string, unknown>)[key] = value;
  }
  return picked;
}

function argsMapping(task: Task): Record<string, unknown> {
  if (typeof task.args === 'string') {
    const { pairs, rest } = parseKeyValue(task.args);
    return rest ? { ...pairs, _raw_params: rest } : pairs;
  }
  return isMapping(task.args) ? task.args : {};
}

function refuseLoop(task: Task, action: string, dynamic: string): void {
  if (task.loop !== undefined) {
    throw new ParseError(`You cannot use loops on '${action}' statements. You should use '${dynamic}' instead.`, task.position);
  }
}

/** Beside the importing file, then the role's tasks/ folder and the role's folder, then the playbook folder. */
function findTaskFile(name: string, task: Task, ctx: LoadContext): string {
  if (isAbsolute(name)) return name;
  const candidates = [join(dirname(task.position.file), name)];
  // As Ansible's path_dwim_relative: the role's tasks/ folder, then the role's own folder (`tasks/x.yml`).
  if (ctx.role) candidates.push(join(ctx.role.path, 'tasks', name), join(ctx.role.path, name));
  candidates.push(join(ctx.playbookDir, name));
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) throw new MissingImportError(`could not find or access '${name}' (looked in ${[...new Set(candidates.map((c) => dirname(c)))].join(', ')})`, task.actionPosition);
  return resolve(found);
}
