import { dirname, isAbsolute, join } from 'node:path';
import { existsSync } from 'node:fs';
import { MissingRoleError, ModuleError, ParseError, RunAbortedError } from '../core/errors.js';
import { parseKv } from '../core/kvSplit.js';
import { loadRole, loadTaskFile } from '../playbook/index.js';
import type { RoleFiles } from '../playbook/roles.js';
import { toBoolean } from '../core/boolean.js';
import { isOmit } from '../template/index.js';
import type { Role, Task, TaskItem } from '../playbook/types.js';
import type { TaskInfo } from './events.js';
import type { StepOutcome } from './hostWalk.js';
import type { Invocation } from './invokeModule.js';
import { censor } from './censor.js';
import { itemLabel, loopItemVars } from './loopItem.js';
import { resolveLoop } from './loopItems.js';
import { flattenHandlers } from './handlerList.js';
import { childScope, parentRoleParams, playScope, roleLayers, type Scope } from './scope.js';
import { playbookLoadOptions } from './loadOptions.js';

/**
 * `include_tasks` and `include_role`: load the file or role now (its name may be templated), and hand
 * its tasks back to the host's walk. A loop on the include includes once per item.
 */
export async function runInclude(
  invocation: Invocation,
  info: TaskInfo,
  itemApplies: (itemTemplar: Invocation['templar']) => boolean = () => true,
): Promise<StepOutcome> {
  const { task, templar, ctx, host } = invocation;
  const items = task.loop === undefined ? [undefined] : resolveLoop(task, templar);
  const includes: NonNullable<StepOutcome['includes']> = [];
  let skippedItems = 0;
  for (const [index, item] of items.entries()) {
    // The included tasks see the item as ansible-core gives it: loop_var, index_var, ansible_loop.
    const params: Record<string, unknown> = task.loop === undefined ? {} : loopItemVars(task.loopControl, items, index, templar);
    if (!itemApplies(templar.child(params))) {
      skippedItems++;
      const label = itemLabel(task.loopControl, item, templar.child(params));
      const skip = { changed: false, skipped: true, skip_reason: 'Conditional result was False', ...params };
      ctx.run.events.hostResult(info, {
        host: host.name,
        status: 'skipped',
        result: invocation.noLog ? censor(skip) : skip,
        item: invocation.noLog ? null : label,
        isItem: true,
      });
      continue;
    }
    const args = includeArgs(task, templar.child(params));
    // As in ansible-core, the included tasks inherit from the blocks and play around the include, not from
    // the include's own keywords (its when, tags, ignore_errors, no_log... are for the include alone):
    // only its `vars`, as include parameters above set_fact, and what its `apply:` says, as a block would.
    const scope = task.apply ? childScope(invocation.scope, task.apply) : invocation.scope;
    const includeParams = { ...task.vars, ...params };
    if (task.action.endsWith('include_role')) {
      const name = String(args['name'] ?? '');
      if (!name) throw new ModuleError("include_role needs 'name'");
      const parent = task.role ?? invocation.scope.role;
      if (parent) Object.assign(includeParams, parentRoleParams(invocation.scope, parent));
      const files = roleFiles(args);
      const role = await sharedLoad(task, `${name}\0${JSON.stringify(files)}\0${JSON.stringify(includeParams)}`, async () => {
        const warnings: string[] = [];
        const loaded = await loadRole(name, ctx.run.playbook.dir, {
          ...playbookLoadOptions(ctx.run.options),
          ...files,
          warnings,
          ...(ctx.play.rolesSeen ? { rolesSeen: ctx.play.rolesSeen } : {}),
        }).catch(abortOnParseError);
        warnings.forEach((warning) => ctx.run.events.warning(warning));
        applyToTasks(loaded.tasks, task.applyToTasks);
        const handlerScope = { ...playScope(ctx.play), ...roleLayers(playScope(ctx.play), loaded), params: [includeParams] };
        ctx.handlers.push(...flattenHandlers(loaded.handlers, handlerScope));
        // public: the role's defaults and vars stay visible to the rest of the play, as a play role's are.
        if (toBoolean(args['public']) === true && !ctx.playRoles.includes(loaded)) ctx.playRoles.push(loaded);
        return loaded;
      });
      // allow_duplicates: false: a role the play already ran with the same params is not run again.
      const key = `${role.path}\0${JSON.stringify(task.vars)}`;
      const duplicate = toBoolean(args['allow_duplicates']) === false && ctx.play.rolesSeen?.has(key) === true;
      ctx.play.rolesSeen?.add(key);
      includes.push({
        items: duplicate ? [] : role.tasks,
        scope: {
          ...scope,
          ...roleLayers(scope, role),
          params: [...scope.params, includeParams],
        },
      });
      // Ansible neither prints nor counts an include_role; its tasks speak for it.
    } else {
      const file = String(args['file'] ?? args['_raw_params'] ?? '');
      if (!file) throw new ModuleError("include_tasks needs a file name ('include_tasks: file.yml' or 'file:')");
      const path = resolveTaskFile(file, invocation);
      const items = await sharedLoad(task, `${path}\0${JSON.stringify(includeParams)}`, async () => {
        const loaded = await loadTaskFile(path, { ...playbookLoadOptions(ctx.run.options), role: task.role ?? invocation.scope.role, handlers: info.isHandler })
          .catch(abortOnParseError);
        applyToTasks(loaded, task.applyToTasks);
        return loaded;
      });
      includes.push({ items, scope: { ...scope, params: [...scope.params, includeParams] } satisfies Scope });
      // Each file included (per item) counts as ok, as in ansible's _load_included_file.
      host.stats.ok++;
      // ansible-core writes a no_log include's item so on its `included:` line.
      const label = invocation.noLog
        ? '(censored due to no_log)'
        : itemLabel(task.loopControl, item, templar.child(params));
      ctx.run.events.hostResult(info, {
        host: host.name,
        status: 'ok',
        result: { changed: false, included: path },
        ...(task.loop === undefined ? {} : { item: label }),
      });
    }
  }
  if (items.length === 0) {
    // An include looping over nothing is a skip, as ansible-core shows it.
    host.stats.skipped++;
    ctx.run.events.hostResult(info, { host: host.name, status: 'skipped', result: { changed: false, skipped: true, skipped_reason: 'No items in the list', results: [] } });
  } else if (skippedItems === items.length) {
    host.stats.skipped++;
    ctx.run.events.hostResult(info, { host: host.name, status: 'skipped', result: { changed: false, skipped: true, msg: 'All items skipped', results: [] } });
  }
  return { status: 'ok', includes };
}

/**
 * An included file or role that does not load (it does not parse, a tasks_from file is missing) ends the
 * run, as in ansible-core (exit 4, a parser error); a role that is missing only fails the task.
 */
function abortOnParseError(error: unknown): never {
  throw error instanceof ParseError && !(error instanceof MissingRoleError) ? new RunAbortedError(error.message, error.exitCode) : error;
}

const loadedIncludes = new WeakMap<Task, Map<string, Promise<TaskItem[] | Role>>>();

/**
 * Hosts that include the same file or role with the same parameters share its tasks (as ansible's
 * IncludedFile groups them), so the linear strategy runs those tasks on all of them together; a role's
 * handlers join the play once.
 */
function sharedLoad<T extends TaskItem[] | Role>(task: Task, key: string, load: () => Promise<T>): Promise<T> {
  let loaded = loadedIncludes.get(task);
  if (!loaded) loadedIncludes.set(task, (loaded = new Map()));
  if (!loaded.has(key)) loaded.set(key, load());
  return loaded.get(key) as Promise<T>;
}

/** `apply:`'s notify, delegate_to and delegate_facts, given to the freshly loaded tasks that lack their own. */
function applyToTasks(items: readonly TaskItem[], keywords: Task['applyToTasks']): void {
  if (!keywords) return;
  for (const task of flattenTasks(items)) {
    if (task.notify.length === 0) task.notify = [...keywords.notify];
    if (task.delegateTo === undefined && keywords.delegateTo !== undefined) task.delegateTo = keywords.delegateTo;
    if (task.delegateFacts === undefined && keywords.delegateFacts !== undefined) task.delegateFacts = keywords.delegateFacts;
  }
}

/** include_role's tasks_from, vars_from, defaults_from and handlers_from. */
function roleFiles(args: Record<string, unknown>): RoleFiles {
  const files: RoleFiles = {};
  const keys = { tasks_from: 'tasksFrom', vars_from: 'varsFrom', defaults_from: 'defaultsFrom', handlers_from: 'handlersFrom' } as const;
  for (const [arg, key] of Object.entries(keys)) if (typeof args[arg] === 'string' && args[arg] !== '') files[key] = args[arg] as string;
  if (toBoolean(args['rolespec_validate']) === false) files.validate = false;
  return files;
}

/** `include_role: name=x` and `include_tasks: file.yml` text is split as Ansible's parse_kv does. */
function includeArgs(task: Task, templar: Invocation['templar']): Record<string, unknown> {
  const raw = typeof task.args === 'string' ? parseKv(task.args) : task.args;
  const rendered = templar.render(raw) as Record<string, unknown>;
  // An argument set to `omit` is as if not given (`tasks_from: "{{ omit }}"`).
  return Object.fromEntries(Object.entries(rendered).filter(([, value]) => !isOmit(value)));
}

/** An included file is looked up beside the including file, in the role's tasks/ and folder, then the playbook folder. */
function resolveTaskFile(file: string, invocation: Invocation): string {
  if (isAbsolute(file)) return file;
  const role = invocation.task.role ?? invocation.scope.role;
  const candidates = [
    join(dirname(invocation.task.position.file), file),
    ...(role ? [join(role.path, 'tasks', file), join(role.path, file)] : []),
    join(invocation.ctx.run.playbook.dir, file),
  ];
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) throw new ModuleError(`Could not find or access '${file}'; searched: ${candidates.join(', ')}`);
  return found;
}

/** Every task of a task list, blocks opened (a block's tasks, then its rescue, then its always), in written order. */
export function flattenTasks(items: readonly TaskItem[]): Task[] {
  return items.flatMap((item) => (item.kind === 'task' ? [item] : flattenTasks([...item.block, ...item.rescue, ...item.always])));
}
