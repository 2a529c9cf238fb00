import { ParseError, type SourcePosition } from '../core/errors.js';
import { TASK_KEYS } from './action.js';
import { checkKeys, commonKeywords, describe, flag, isMapping, optionalString, stringList, where, type YamlMap } from './keywords.js';
import type { Task } from './types.js';
import { positionOfKey } from '../core/yamlSource.js';

/**
 * The keywords an `include_tasks`/`include_role` itself may carry: ansible-core's
 * TaskInclude.VALID_INCLUDE_KEYWORDS (less `timeout`, which playtree refuses everywhere). Of these only
 * `vars` reaches the included tasks (as include parameters); keywords meant for the included tasks go
 * under the include's `apply:`.
 */
const INCLUDE_KEYS = [
  'name', 'vars', 'when', 'tags', 'loop', 'loop_control', 'register', 'ignore_errors', 'no_log', 'run_once',
  'args', 'action', 'collections', 'debugger',
];

/** Block keywords under `apply:` that go into each included task (blocks pass them down the same way). */
const APPLY_TASK_KEYS = ['notify', 'delegate_to', 'delegate_facts'];

/**
 * Check an include's keywords as ansible-core does at load time, and move `apply:` out of its arguments
 * into `task.apply`, parsed as a block's keywords.
 */
export function readIncludeKeywords(entry: YamlMap, task: Task, handler: boolean, pos: SourcePosition): void {
  const kind = task.action.endsWith('include_role') ? 'IncludeRole' : 'TaskInclude';
  for (const key of Object.keys(entry)) {
    if (!TASK_KEYS.includes(key) || INCLUDE_KEYS.includes(key) || (handler && key === 'listen')) continue;
    throw new ParseError(
      `'${key}' is not a valid attribute for a ${kind}; to give it to the included tasks, put it under the include's 'apply:'`,
      positionOfKey(entry, key) ?? pos,
    );
  }
  if (typeof task.args === 'string' || !('apply' in task.args)) return;
  const { apply, ...args } = task.args;
  // task.args may be a copy; the mapping as written under the action carries the positions.
  const written = entry[task.action];
  const at = where(isMapping(written) ? written : task.args, 'apply', pos);
  if (!isMapping(apply)) throw new ParseError(`Expected a dict for apply but got ${describe(apply)} instead`, at);
  checkKeys(apply, 'Block', ['when', ...APPLY_TASK_KEYS], at);
  task.apply = commonKeywords(apply, at);
  const notify = stringList(apply, 'notify', at);
  const delegateTo = optionalString(apply, 'delegate_to', at);
  const delegateFacts = flag(apply, 'delegate_facts', at);
  if (notify.length || delegateTo !== undefined || delegateFacts !== undefined) {
    task.applyToTasks = { notify, ...(delegateTo !== undefined ? { delegateTo } : {}), ...(delegateFacts !== undefined ? { delegateFacts } : {}) };
  }
  task.args = args;
}
