import { hasLookup } from '../../lookups/index.js';
import { ParseError, type SourcePosition } from '../core/errors.js';
import { findAction, shortActionName, TASK_KEYS, TASK_ONLY_KEYS } from './action.js';
import {
  checkKeys, commonKeywords, conditionList, describe, flag, isMapping, optionalString, stringList, strictFlag, where, type YamlMap,
} from './keywords.js';
import type { LoadContext } from './loadContext.js';
import { readIncludeKeywords } from './includeKeywords.js';
import { importRole, importTasks } from './staticImports.js';
import type { Block, Task, TaskItem } from './types.js';
import { positionOf, positionOfValue } from '../core/yamlSource.js';

/**
 * Task lists (tasks, handlers, block/rescue/always, task files) into Task and Block data. Static imports
 * (import_tasks, import_role) are expanded here into Blocks; include_tasks/include_role stay Tasks.
 */

const BLOCK_KEYS = ['block', 'rescue', 'always', 'when', 'notify', 'delegate_to', 'delegate_facts'];
const LOOP_CONTROL_KEYS = ['loop_var', 'index_var', 'label', 'pause', 'extended', 'extended_allitems'];

/** A list of tasks under `key` of `owner` (null/absent is empty). */
export async function parseTaskList(value: unknown, ctx: LoadContext, at: SourcePosition): Promise<TaskItem[]> {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new ParseError(`a task list must be a list of tasks, got ${describe(value)}`, at);
  const items: TaskItem[] = [];
  for (const [index, entry] of value.entries()) {
    const pos = positionOf(entry) ?? positionOfValue(value, index) ?? at;
    if (!isMapping(entry)) throw new ParseError(`a task must be a mapping of keywords, got ${describe(entry)}`, pos);
    items.push(await parseTaskItem(entry, ctx, pos));
  }
  return items;
}

async function parseTaskItem(entry: YamlMap, ctx: LoadContext, pos: SourcePosition): Promise<TaskItem> {
  if ('block' in entry || 'rescue' in entry || 'always' in entry) return parseBlock(entry, ctx, pos);
  const task = parseTask(entry, ctx, pos);
  const short = shortActionName(task.action);
  if (ctx.handlers && (short === 'include_role' || short === 'import_role')) {
    throw new ParseError(`Using '${short}' as a handler is not supported.`, pos);
  }
  if (short === 'import_tasks') return importTasks(task, ctx);
  if (short === 'import_role') return importRole(task, ctx);
  if (short === 'include_tasks' || short === 'include_role') readIncludeKeywords(entry, task, ctx.handlers, pos);
  return task;
}

async function parseBlock(entry: YamlMap, ctx: LoadContext, pos: SourcePosition): Promise<Block> {
  checkKeys(entry, 'Block', BLOCK_KEYS, pos);
  if (!('block' in entry)) throw new ParseError("'rescue' and 'always' need a 'block' beside them", pos);
  // ansible-core 2.14 takes one level of block in handlers (an implicit block), not a block inside it.
  if (ctx.handlers && ctx.inHandlerBlock) throw new ParseError('Using a block as a handler is not supported.', pos);
  const inner: LoadContext = ctx.handlers ? { ...ctx, inHandlerBlock: true } : ctx;
  const block: Block = {
    kind: 'block',
    ...commonKeywords(entry, pos),
    block: await parseTaskList(entry.block, inner, where(entry, 'block', pos)),
    rescue: await parseTaskList(entry.rescue, inner, where(entry, 'rescue', pos)),
    always: await parseTaskList(entry.always, inner, where(entry, 'always', pos)),
  };
  if (ctx.role) block.role = ctx.role;
  // A block's notify, delegate_to and delegate_facts apply to each task inside that does not set its own.
  const notify = stringList(entry, 'notify', pos);
  const delegateTo = optionalString(entry, 'delegate_to', pos);
  const delegateFacts = flag(entry, 'delegate_facts', pos);
  if (notify.length || delegateTo !== undefined || delegateFacts !== undefined) inheritIntoTasks(block, notify, delegateTo, delegateFacts);
  return block;
}

function inheritIntoTasks(block: Block, notify: string[], delegateTo: string | undefined, delegateFacts: boolean | string | undefined): void {
  for (const item of [...block.block, ...block.rescue, ...block.always]) {
    if (item.kind === 'block') inheritIntoTasks(item, notify, delegateTo, delegateFacts);
    else {
      if (!item.notify.length) item.notify = [...notify];
      if (item.delegateTo === undefined && delegateTo !== undefined) item.delegateTo = delegateTo;
      if (item.delegateFacts === undefined && delegateFacts !== undefined) item.delegateFacts = delegateFacts;
    }
  }
}

function parseTask(entry: YamlMap, ctx: LoadContext, pos: SourcePosition): Task {
  const kind = ctx.handlers ? 'Handler' : 'Task';
  const found = findAction(entry, pos, ctx.isModule);
  // findAction has checked that the keys which are not keywords are exactly the one action.
  const actionAndLoopKeys = Object.keys(entry).filter((key) => !TASK_KEYS.includes(key) || key.startsWith('with_'));
  checkKeys(entry, kind, [...TASK_ONLY_KEYS.filter((key) => key !== 'listen' || ctx.handlers), ...actionAndLoopKeys], pos);
  const task: Task = {
    kind: 'task',
    ...commonKeywords(entry, pos),
    action: found.action,
    args: found.args,
    actionPosition: found.actionPosition,
    notify: stringList(entry, 'notify', pos),
    listen: stringList(entry, 'listen', pos),
  };
  if (ctx.role) task.role = ctx.role;
  readLoop(entry, task, pos);
  readResultKeywords(entry, task, pos);
  const delegateTo = found.delegateTo ?? optionalString(entry, 'delegate_to', pos);
  if (delegateTo !== undefined) task.delegateTo = delegateTo;
  const delegateFacts = flag(entry, 'delegate_facts', pos);
  if (delegateFacts !== undefined) task.delegateFacts = delegateFacts;
  return task;
}

/** `loop:` or one `with_<lookup>:`, and `loop_control:`. */
function readLoop(entry: YamlMap, task: Task, pos: SourcePosition): void {
  const loops = Object.keys(entry).filter((key) => key === 'loop' || key.startsWith('with_'));
  if (loops.length > 1) throw new ParseError(`duplicate loop in task: ${loops.join(', ')}`, where(entry, loops[1], pos));
  const [loopKey] = loops;
  if (loopKey !== undefined) {
    task.loop = entry[loopKey];
    if (loopKey !== 'loop') {
      const lookup = loopKey.slice('with_'.length);
      // As ansible-core: a with_ key that names no lookup is an unknown task keyword, refused at load.
      if (!hasLookup(lookup)) {
        throw new ParseError(`'${loopKey}' is not a valid attribute for a Task: there is no lookup named '${lookup}'`, where(entry, loopKey, pos));
      }
      task.loopWith = lookup;
    }
  }
  const control = entry.loop_control;
  if (control === undefined || control === null) return;
  const at = where(entry, 'loop_control', pos);
  if (!isMapping(control)) throw new ParseError(`'loop_control' must be a mapping, got ${describe(control)}`, at);
  checkKeys(control, 'LoopControl', LOOP_CONTROL_KEYS, at);
  const loopControl: NonNullable<Task['loopControl']> = {};
  const loopVar = optionalString(control, 'loop_var', at);
  if (loopVar !== undefined) loopControl.loopVar = loopVar;
  const indexVar = optionalString(control, 'index_var', at);
  if (indexVar !== undefined) loopControl.indexVar = indexVar;
  const label = optionalString(control, 'label', at);
  if (label !== undefined) loopControl.label = label;
  if (control.pause !== undefined && control.pause !== null) {
    if (typeof control.pause !== 'number') throw new ParseError(`'pause' must be a number of seconds`, where(control, 'pause', at));
    loopControl.pause = control.pause;
  }
  const extended = strictFlag(control, 'extended', at);
  if (extended !== undefined) loopControl.extended = extended;
  const allitems = strictFlag(control, 'extended_allitems', at);
  if (allitems !== undefined) loopControl.extendedAllitems = allitems;
  task.loopControl = loopControl;
}

/** register, changed_when, failed_when, until/retries/delay, no_log, async. */
function readResultKeywords(entry: YamlMap, task: Task, pos: SourcePosition): void {
  const register = optionalString(entry, 'register', pos);
  if (register !== undefined) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(register)) throw new ParseError(`'register' must be a variable name, got '${register}'`, where(entry, 'register', pos));
    task.register = register;
  }
  if ('changed_when' in entry) task.changedWhen = conditionList(entry, 'changed_when', pos);
  if ('failed_when' in entry) task.failedWhen = conditionList(entry, 'failed_when', pos);
  if ('until' in entry) task.until = conditionList(entry, 'until', pos);
  for (const key of ['retries', 'delay'] as const) {
    const value = entry[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number' && typeof value !== 'string') throw new ParseError(`'${key}' must be a number, got ${describe(value)}`, where(entry, key, pos));
    task[key] = value;
  }
  // async: 0 is the default (run synchronously) and harmless; anything else needs a job system we lack.
  if ('async' in entry && entry.async !== 0 && entry.async !== null) {
    throw new ParseError("'async' is not supported by playtree (tasks run synchronously): remove it", where(entry, 'async', pos));
  }
}
