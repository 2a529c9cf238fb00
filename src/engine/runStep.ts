import { toBoolean } from '../core/boolean.js';
import type { ModuleResult } from '../../modules/module.js';
import { ConnectionError, PlaytreeError, RunAbortedError, TemplateError } from '../core/errors.js';
import { formatPosition } from '../core/errors.js';
import { parseKv } from '../core/kvSplit.js';
import type { Task } from '../playbook/types.js';
import { LookupError } from '../../lookups/lookup.js';
import { markUnsafe, Templar, UndefinedVariableError } from '../template/index.js';
import type { PlayContext } from './context.js';
import { ERROR_LOCATION_KEY, type TaskInfo, type TaskResult } from './events.js';
import { ensureHost, type HostState } from './hostState.js';
import type { Step, StepOutcome } from './hostWalk.js';
import { censor } from './censor.js';
import { notifiedHandlers } from './handlers.js';
import { runInclude } from './includes.js';
import { isIncludeVars, runIncludeVars } from './includeVars.js';
import { applyInventoryChanges } from './inventoryChanges.js';
import { isValidateArgumentSpec, runValidateArgumentSpec } from './argumentSpec.js';
import { itemLabel, loopItemVars, pauseBeforeItem } from './loopItem.js';
import { resolveLoop } from './loopItems.js';
import { invokeModule, LoopItemArgumentsError, moduleFor, type Invocation } from './invokeModule.js';
import { applyFacts, carryToNextItems, failedTaskView, registeredValue, statusOf, withoutInternalKeys } from './taskResults.js';
import { taskVariables } from './variables.js';

const INCLUDE_ACTIONS = new Set(['include_tasks', 'include_role', 'ansible.builtin.include_tasks', 'ansible.builtin.include_role']);

function isIncludeRole(action: string): boolean {
  return action === 'include_role' || action.endsWith('.include_role');
}

/** The role an include_role names, untemplated, as Ansible's banner shows it. */
function includedRoleName(task: Task): string {
  const args = typeof task.args === 'string' ? parseKv(task.args) : task.args;
  return String(args['name'] ?? args['role'] ?? '');
}

/**
 * The banner title Ansible prints: the task's name, else its action as written (`ansible.builtin.copy`
 * stays so), an include_role adding its role (`include_role : web`); `role : title` inside a role.
 */
export function taskInfo(task: Task, isHandler = false): TaskInfo {
  const name = task.name ?? (isIncludeRole(task.action) ? `${task.action} : ${includedRoleName(task)}` : task.action);
  const title = task.role ? `${task.role.name} : ${name}` : name;
  return { title, ...(task.name !== undefined ? { name: task.name } : {}), action: task.action, position: task.position, isHandler };
}

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
    if (loopItems === null) return finish(invocation, info, skipped);
    if (INCLUDE_ACTIONS.has(task.action)) {
      // A looped include judges `when` per item (in runInclude).
      if (task.loop !== undefined) return await runInclude(invocation, info, (itemTemplar) => conditionsHold(itemTemplar, conditions));
      // A skipped include is registered like any skipped task.
      if (!conditionsHold(templar, conditions)) return finish(invocation, info, skipped);
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
    return finish(invocation, info, result);
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
    return finish({ ctx, host, task, scope, vars, templar, check: false, diff: false, noLog }, info, failed);
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
 * One run of the module, or with `until:` several: the task is retried (`retries`, default 3, `delay`
 * seconds apart, default 5) until the condition holds, as Ansible's task executor does; the result then
 * carries `attempts`, and `failed` when the condition never held.
 */
async function runOnce(invocation: Invocation): Promise<ModuleResult> {
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
    if (roundTrips !== undefined) {
      invocation.ctx.run.events.log(3, `<${invocation.host.name}> ${taskInfo(invocation.task).title}: ${roundTrips} command(s)/transfer(s)`);
    }
  } catch (error) {
    if (error instanceof ConnectionError || error instanceof RunAbortedError || error instanceof LoopItemArgumentsError) throw error;
    result = failureResult(error, invocation.task);
  }
  if (attempt !== undefined) result = { ...result, attempts: attempt };
  return applyResultConditions(invocation, result);
}

async function runLoop(
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

/** Register, notify, stats and the final event for the task on this host. */
function finish(invocation: Invocation, info: TaskInfo, result: ModuleResult): StepOutcome {
  const { ctx, host, task, scope, templar } = invocation;
  const events = ctx.run.events;
  // A result always says whether it failed, as Ansible's does.
  const registered: ModuleResult = { ...result, failed: result.failed ?? false };
  if (task.register) host.setFacts[task.register] = markUnsafe(registeredValue(result, task.loop !== undefined));
  // delegate_facts: facts go to the delegated host.
  applyFacts(task, invocation.factsHost ?? host, registered);
  const shared = { registered, ownFacts: !invocation.factsHost };
  const status = statusOf(registered);
  const base: TaskResult = { host: host.name, status, result: invocation.noLog ? censor(registered) : registered, diff: invocation.diff };
  if (invocation.delegatedTo) base.delegatedTo = invocation.delegatedTo;
  if (status === 'failed') {
    let ignore = false;
    try {
      ignore = boolKeyword(templar, task.ignoreErrors ?? scope.ignoreErrors, false);
    } catch {
      // An ignore_errors that cannot be evaluated does not ignore.
    }
    if (ignore) {
      host.stats.ok++;
      host.stats.ignored++;
      if (registered.changed) host.stats.changed++;
      events.hostResult(info, { ...base, ignored: true });
      return { status: 'ok', ...shared };
    }
    if (scope.rescuable) {
      host.stats.rescued++;
      // As ansible-core, both are kept as data: templates inside them (the task's own arguments) are not rendered.
      host.setFacts['ansible_failed_result'] = markUnsafe(withoutInternalKeys(registered) as ModuleResult);
      host.setFacts['ansible_failed_task'] = markUnsafe(failedTaskView(task));
    } else {
      host.stats.failed++;
      host.failed = true;
    }
    events.hostResult(info, base);
    return { status: 'failed', ...shared };
  }
  if (status === 'skipped') host.stats.skipped++;
  else {
    host.stats.ok++;
    if (status === 'changed') {
      host.stats.changed++;
      for (const name of task.notify) {
        const handler = String(templar.render(name));
        const handlers = notifiedHandlers(ctx.handlers, handler, task.role, (text) => String(templar.render(text)));
        if (handlers.length === 0) {
          throw new RunAbortedError(`The requested handler '${handler}' was not found in either the main handlers list nor in the listening handlers list`);
        }
        for (const notified of handlers) {
          // Ansible says so only for a handler not already waiting.
          if (!host.notified.has(notified)) events.log(2, `NOTIFIED HANDLER ${taskInfo(notified, true).title} for ${host.name}`);
          host.notified.add(notified);
        }
      }
    }
  }
  events.hostResult(info, base);
  return { status: 'ok', ...shared };
}

/** `when:` conditions, ANDed, with Ansible's truthiness. */
export function conditionsHold(templar: Templar, conditions: ReadonlyArray<string | boolean>): boolean {
  return conditions.every((condition) => (typeof condition === 'boolean' ? condition : templar.isTrue(condition)));
}

function describe(conditions: ReadonlyArray<string | boolean>): string {
  return conditions.map(String).join(' and ');
}

function boolKeyword(templar: Templar, value: unknown, fallback: boolean): boolean {
  if (value === undefined || value === null) return fallback;
  return toBoolean(templar.render(value)) ?? fallback;
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

/**
 * The failed result of an error raised while running a task. Its `msg` is what ansible-core's would be:
 * a lookup's or module's own words, bare (roles and tests compare them exactly); an undefined variable
 * names the task and file:line in the message, as Ansible's does. Where a bare message leaves the place
 * out, the result carries it under ERROR_LOCATION_KEY: the text output shows it, `register` drops it.
 */
export function failureResult(error: unknown, task: Task): ModuleResult {
  // A template or lookup error stops the task before any module ran: ansible-core's result then has no `changed`.
  const raisedByTemplate = error instanceof TemplateError || error instanceof LookupError || error instanceof UndefinedVariableError;
  const result: ModuleResult = { changed: false, failed: true, msg: failureMessage(error, task) };
  // The one result without `changed` (ModuleResult's readers take a missing one as false).
  if (raisedByTemplate) delete (result as Partial<ModuleResult>).changed;
  if (error instanceof PlaytreeError && !(error instanceof LookupError) && !isUndefinedError(error)) {
    result[ERROR_LOCATION_KEY] = `task '${task.name ?? task.action}' at ${formatPosition(task.position)}`;
  }
  return result;
}

function isUndefinedError(error: unknown): boolean {
  return error instanceof UndefinedVariableError || (error instanceof TemplateError && / is undefined|has no attribute/.test(error.message));
}

export function failureMessage(error: unknown, task: Task): string {
  if (error instanceof LookupError) return error.message;
  if (isUndefinedError(error)) {
    const where = `The error appears to be in '${formatPosition(task.position)}'`;
    return `The task includes an option with an undefined variable. The error was: ${(error as Error).message}. ${where} (task '${task.name ?? task.action}')`;
  }
  if (error instanceof PlaytreeError) return error.message;
  const message = error instanceof Error ? error.message : String(error);
  return `Unexpected failure in '${task.action}' at ${formatPosition(task.position)}: ${message}`;
}
