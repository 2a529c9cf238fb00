import type { ModuleResult } from '../../modules/module.js';
import { ConnectionError, RunAbortedError } from '../core/errors.js';
import { markUnsafe } from '../template/index.js';
import { boolKeyword, conditionsHold, describe } from './conditions.js';
import { isIncludeVars, runIncludeVars } from './includeVars.js';
import { applyInventoryChanges } from './inventoryChanges.js';
import { isValidateArgumentSpec, runValidateArgumentSpec } from './argumentSpec.js';
import { itemLabel, loopItemVars, pauseBeforeItem } from './loopItem.js';
import { invokeModule, LoopItemArgumentsError, moduleFor, type Invocation } from './invokeModule.js';
import { failureResult } from './taskFailure.js';
import { taskInfo } from './taskInfo.js';
import { carryToNextItems } from './taskResults.js';

/*
 * The module's part of a step: once, retried with `until:`, or once per loop item, with changed_when and
 * failed_when applied to each result. runStep.ts decides whether it runs; finishStep.ts what follows.
 */

/**
 * One run of the module, or with `until:` several: the task is retried (`retries`, default 3, `delay`
 * seconds apart, default 5) until the condition holds, as Ansible's task executor does; the result then
 * carries `attempts`, and `failed` when the condition never held.
 */
export async function runOnce(invocation: Invocation): Promise<ModuleResult> {
  const { task, templar } = invocation;
  const retries = Number(templar.render(task.retries ?? 3));
  const attempts = Number.isInteger(retries) && retries > 0 ? retries + 1 : 1;
  // As ansible-core: with `retries: 0` the task runs once and `until` is not evaluated.
  if (!task.until || attempts === 1) return runModuleOnce(invocation);
  const delay = Number(templar.render(task.delay ?? 5));
  let result: ModuleResult = { changed: false };
  for (let attempt = 1; attempt <= attempts; attempt++) {
    result = await runModuleOnce(invocation, attempt);
    const untilTemplar = task.register ? templar.child({ [task.register]: markUnsafe(result) }) : templar;
    if (conditionsHold(untilTemplar, task.until)) return { ...result, failed: result.failed ?? false };
    if (attempt < attempts) {
      invocation.ctx.run.events.hostRetry(taskInfo(task), invocation.host.name, attempts - attempt);
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay * 1000));
    }
  }
  // ansible-core reports the retries asked for, not the attempts made, when they run out; a failed_when
  // that judged the last attempt still decides whether the task failed.
  const failed = typeof result.failed_when_result === 'boolean' ? result.failed_when_result : true;
  return { ...result, attempts: attempts - 1, failed };
}

/** The module once; with `until`, `attempt` is in the result before changed_when/failed_when see it. */
async function runModuleOnce(invocation: Invocation, attempt?: number): Promise<ModuleResult> {
  let result: ModuleResult;
  try {
    const action = invocation.task.action;
    const { roundTrips, ...moduleResult } = isIncludeVars(action)
      ? await runIncludeVars(invocation)
      : isValidateArgumentSpec(action)
        ? runValidateArgumentSpec(invocation)
        : await invokeModule(invocation, await moduleFor(invocation.task));
    result = applyInventoryChanges(invocation.ctx.run, invocation.host.name, moduleResult);
    // Built only when -vvv shows it.
    if (roundTrips !== undefined && invocation.ctx.run.options.verbosity >= 3) {
      invocation.ctx.run.events.log(3, `<${invocation.host.name}> ${taskInfo(invocation.task).title}: ${roundTrips} command(s)/transfer(s)`);
    }
  } catch (error) {
    if (error instanceof ConnectionError || error instanceof RunAbortedError || error instanceof LoopItemArgumentsError) throw error;
    result = failureResult(error, invocation.task);
  }
  if (attempt !== undefined) result = { ...result, attempts: attempt };
  return applyResultConditions(invocation, result);
}

export async function runLoop(
  invocation: Invocation,
  items: unknown[],
  conditions: Array<string | boolean>,
  onItem: (result: ModuleResult, label: unknown, noLog: boolean) => void,
): Promise<ModuleResult> {
  const { task, host } = invocation;
  let anyNoLog = false;
  const results: ModuleResult[] = [];
  // Facts and the registered result of the items run so far, seen by the next ones.
  const carried: Record<string, unknown> = {};
  for (const [index, item] of items.entries()) {
    await pauseBeforeItem(task.loopControl, index);
    // Each item gets its own templar: variables that refer to `item` are worked out afresh.
    const loopVars = loopItemVars(task.loopControl, items, index, invocation.templar);
    const itemVars = { ...carried, ...loopVars };
    const templar = invocation.templar.child(itemVars);
    const itemNoLog = invocation.noLog === true || boolKeyword(templar, task.noLog ?? invocation.scope.noLog, false);
    anyNoLog ||= itemNoLog;
    host.noLog = itemNoLog;
    const itemInvocation: Invocation = { ...invocation, templar, vars: { ...invocation.vars, ...itemVars }, noLog: itemNoLog };
    const label = itemLabel(task.loopControl, item, templar);
    let result: ModuleResult;
    if (!conditionsHold(templar, conditions)) {
      result = { changed: false, skipped: true, skip_reason: 'Conditional result was False', false_condition: describe(conditions) };
    } else {
      result = await runOnce(itemInvocation);
      carryToNextItems(task, result, invocation.vars, carried);
    }
    result = { ...result, ...loopVars };
    results.push(result);
    onItem(result, label, itemNoLog);
  }
  // The loop's summary is hidden when any of its items was.
  if (anyNoLog) invocation.noLog = true;
  // The summary task_executor builds: an empty loop is a skip with its own reason, not a completion.
  if (results.length === 0) return { changed: false, skipped: true, skipped_reason: 'No items in the list', results };
  const failed = results.some((r) => r.failed);
  const skipped = results.every((r) => r.skipped);
  const summary: ModuleResult = {
    changed: results.some((r) => r.changed),
    msg: skipped ? 'All items skipped' : failed ? 'One or more items failed' : 'All items completed',
    results,
    skipped,
  };
  if (failed) summary.failed = true;
  return summary;
}

function applyResultConditions(invocation: Invocation, result: ModuleResult): ModuleResult {
  const { task } = invocation;
  if (!task.changedWhen && !task.failedWhen) return result;
  // The conditions see the result under the register name, as Ansible's do.
  const templar = task.register ? invocation.templar.child({ [task.register]: markUnsafe(result) }) : invocation.templar;
  const out = { ...result };
  if (task.changedWhen) out.changed = conditionsHold(templar, task.changedWhen);
  if (task.failedWhen) {
    try {
      out.failed_when_result = conditionsHold(templar, task.failedWhen);
      out.failed = out.failed_when_result as boolean;
    } catch (error) {
      // As ansible-core: the module's result is kept, failed, with the reason in failed_when_result.
      const reason = error instanceof Error ? error.message : String(error);
      out.failed_when_result = `The conditional check '${task.failedWhen.join(' and ')}' failed. The error was: ${reason}`;
      out.failed = true;
      out.msg ??= '';
    }
  }
  return out;
}
