import type { ModuleResult } from '../../modules/module.js';
import { ConnectionError, RunAbortedError, TemplateError } from '../core/errors.js';
import type { Task } from '../playbook/types.js';
import { Templar } from '../template/index.js';
import { ensureHost, type PlayContext } from './context.js';
import type { TaskInfo, TaskResult } from './events.js';
import type { HostState } from './hostState.js';
import type { Step, StepOutcome } from './hostWalk.js';
import { censor } from './censor.js';
import { boolKeyword, conditionsHold, describe } from './conditions.js';
import { finishStep } from './finishStep.js';
import { runInclude } from './includes.js';
import { resolveLoop } from './loopItems.js';
import { LoopItemArgumentsError, type Invocation } from './invokeModule.js';
import { runLoop, runOnce } from './moduleRuns.js';
import { failureResult } from './taskFailure.js';
import { statusOf } from './taskResults.js';
import { taskVariables } from './variables.js';

/*
 * The step runner: one task on one host, from its conditions to its result. The layers below it hold the
 * data (context, host state, variables) and the module's part; handlers, meta and the play call it.
 */

const INCLUDE_ACTIONS = new Set(['include_tasks', 'include_role', 'ansible.builtin.include_tasks', 'ansible.builtin.include_role']);

/**
 * Run one step on one host: conditions, loop, the module, changed_when/failed_when, register, notify,
 * stats, and the events the renderers show. Returns how the host's walk goes on.
 */
export async function runStep(ctx: PlayContext, host: HostState, step: Step, info: TaskInfo): Promise<StepOutcome> {
  const { scope } = step;
  let task = step.task;
  const events = ctx.run.events;
  events.hostTaskStart(host.name, info);
  const vars = taskVariables(ctx, host, scope, task);
  const templar = new Templar(vars);
  const report = (result: ModuleResult, extra: Partial<TaskResult> = {}) =>
    events.hostResult(info, { host: host.name, status: statusOf(result), result: noLog ? censor(result) : result, ...extra });
  // A no_log that cannot be worked out hides the result: secrets are never printed by mistake.
  let noLog = true;

  try {
    // `action: {module: "{{ name }}"}`: the module is worked out per host, as ansible-core does.
    if (task.action.includes('{{')) task = { ...task, action: String(templar.render(task.action)) };
    noLog = taskNoLog(templar, task, scope);
    host.noLog = noLog;
    const check = boolKeyword(templar, task.checkMode ?? scope.checkMode, ctx.run.options.check);
    const diff = boolKeyword(templar, task.diff ?? scope.diff, ctx.run.options.diff);
    // ansible_check_mode/ansible_diff_mode stay the run's (--check/--diff), as in ansible-core 2.14.
    const invocation: Invocation = { ctx, host, task, scope, vars, templar, check, diff, noLog };
    const delegate = task.delegateTo === undefined ? undefined : String(templar.render(task.delegateTo));
    if (delegate !== undefined && delegate !== host.name) {
      invocation.delegatedTo = delegate;
      // As ansible-core: the delegated host's own variables, under its name.
      vars['ansible_delegated_vars'] = { [delegate]: { ...ctx.run.hosts.get(delegate)?.inventoryVars, inventory_hostname: delegate } };
      if (boolKeyword(templar, task.delegateFacts, false)) invocation.factsHost = ensureHost(ctx.run, delegate);
    }
    const conditions = [...scope.when, ...task.when];

    // ansible-core works out the loop first; when it is undefined, a false `when` still skips the task.
    const loopItems = task.loop === undefined ? undefined : loopItemsUnlessSkipped(task, templar, conditions);
    const skipped = { changed: false, skipped: true, skip_reason: 'Conditional result was False', false_condition: describe(conditions) };
    if (loopItems === null) return finishStep(invocation, info, skipped);
    if (INCLUDE_ACTIONS.has(task.action)) {
      // A looped include judges `when` per item (in runInclude).
      if (task.loop !== undefined) return await runInclude(invocation, info, (itemTemplar) => conditionsHold(itemTemplar, conditions));
      // A skipped include is registered like any skipped task.
      if (!conditionsHold(templar, conditions)) return finishStep(invocation, info, skipped);
      return await runInclude(invocation, info);
    }

    let result: ModuleResult;
    if (loopItems === undefined) {
      result = conditionsHold(templar, conditions) ? await runOnce(invocation) : skipped;
    } else {
      result = await runLoop(invocation, loopItems, conditions, (itemResult, label, itemNoLog) =>
        events.hostResult(info, {
          host: host.name,
          status: statusOf(itemResult),
          result: itemNoLog ? censor(itemResult) : itemResult,
          // ansible-core shows a censored item as None.
          item: itemNoLog ? null : label,
          isItem: true,
          diff: invocation.diff,
          ...(invocation.delegatedTo ? { delegatedTo: invocation.delegatedTo } : {}),
        }),
      );
    }
    return finishStep(invocation, info, result);
  } catch (error) {
    if (error instanceof RunAbortedError) throw error;
    if (error instanceof ConnectionError) {
      host.stats.unreachable++;
      host.unreachable = true;
      host.failed = true;
      report({ changed: false, unreachable: true, msg: error.message }, { status: 'unreachable' });
      return { status: 'unreachable' };
    }
    const failed = failureResult(error instanceof LoopItemArgumentsError ? error.templateError : error, task);
    return finishStep({ ctx, host, task, scope, vars, templar, check: false, diff: false, noLog }, info, failed);
  } finally {
    host.noLog = false;
  }
}

/**
 * The task's no_log (or its block's, role's, play's), templated. A loop task whose no_log names the loop
 * variable decides per item (in runLoop); for the task as a whole it is then off unless an item had it.
 */
function taskNoLog(templar: Templar, task: Task, scope: Step['scope']): boolean {
  try {
    return boolKeyword(templar, task.noLog ?? scope.noLog, false);
  } catch (error) {
    if (task.loop !== undefined) return false;
    throw error;
  }
}

/**
 * The loop's items, or null when the loop expression is undefined and the task's `when` (judged without
 * an item) is false: ansible-core then skips the task instead of failing it.
 */
function loopItemsUnlessSkipped(task: Task, templar: Templar, conditions: ReadonlyArray<string | boolean>): unknown[] | null {
  try {
    return resolveLoop(task, templar);
  } catch (error) {
    if (!(error instanceof TemplateError) || conditions.length === 0) throw error;
    let holds: boolean;
    try {
      holds = conditionsHold(templar, conditions);
    } catch {
      throw error;
    }
    if (holds) throw error;
    return null;
  }
}

