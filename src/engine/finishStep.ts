import type { ModuleResult } from '../../modules/module.js';
import { RunAbortedError } from '../core/errors.js';
import { withProperties } from '../core/objectCopies.js';
import { markUnsafe } from '../template/index.js';
import { censor } from './censor.js';
import { boolKeyword } from './conditions.js';
import type { TaskInfo, TaskResult } from './events.js';
import { notifiedHandlers } from './handlerList.js';
import type { StepOutcome } from './hostWalk.js';
import type { Invocation } from './invokeModule.js';
import { taskInfo } from './taskInfo.js';
import { applyFacts, failedTaskView, registeredValue, statusOf, withoutInternalKeys } from './taskResults.js';

/* The end of a step on a host: register, facts, stats, notify, and the result event the renderers show. */

/** Register, notify, stats and the final event for the task on this host. */
export function finishStep(invocation: Invocation, info: TaskInfo, result: ModuleResult): StepOutcome {
  const { ctx, host, task, scope, templar } = invocation;
  const events = ctx.run.events;
  // A result always says whether it failed, as Ansible's does.
  const registered: ModuleResult = withProperties(result, { failed: result.failed ?? false });
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
