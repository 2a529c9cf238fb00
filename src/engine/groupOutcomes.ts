import type { Task } from '../playbook/types.js';
import { toBoolean } from '../core/boolean.js';
import { Templar } from '../template/index.js';
import type { PlayContext } from './context.js';
import type { Step, StepOutcome } from './hostWalk.js';
import { applyFacts } from './taskResults.js';
import { taskVariables } from './variables.js';

/*
 * What one task's outcome on a group of hosts means for the others, as ansible-core's linear strategy
 * decides it: run_once shares the first host's result, any_errors_fatal and max_fail_percentage end the
 * play for all.
 */

/** run_once (task, block or play keyword), templated with the first host's variables. */
export function runsOnce(ctx: PlayContext, task: Task, group: ReadonlyArray<readonly [string, Step]>): boolean {
  const [first, step] = group[0]!;
  const value = task.runOnce ?? step.scope.runOnce;
  if (value === undefined) return false;
  const templar = new Templar(taskVariables(ctx, ctx.run.hosts.get(first)!, step.scope, task));
  return toBoolean(templar.render(value)) ?? false;
}

/**
 * run_once: the other hosts get the first host's outcome, its registered result and the facts it set
 * (gathered facts, set_fact, include_vars), as ansible-core's strategy applies a run_once result to every
 * host of the play; facts that delegate_facts sent to another host stay there.
 */
export function shareRunOnceResult(ctx: PlayContext, task: Task, first: string, group: ReadonlyArray<readonly [string, Step]>, outcomes: Map<string, StepOutcome>) {
  const source = outcomes.get(first);
  const registered = task.register ? ctx.run.hosts.get(first)!.setFacts[task.register] : undefined;
  for (const [name] of group.slice(1)) {
    const host = ctx.run.hosts.get(name)!;
    if (task.register) host.setFacts[task.register] = registered;
    if (source?.registered && source.ownFacts) applyFacts(task, host, source.registered);
    outcomes.set(name, { status: source?.status === 'failed' ? 'ok' : source?.status ?? 'ok' });
  }
}

/**
 * max_fail_percentage: more than that share of the play's hosts failed (a rescued or ignored failure, or an
 * unreachable host, does not count), checked after each task as the linear strategy does. The play and
 * the run end for every host.
 */
export function exceedsMaxFailPercentage(ctx: PlayContext): boolean {
  const limit = ctx.play.maxFailPercentage;
  if (limit === undefined || ctx.hosts.length === 0) return false;
  const failed = ctx.hosts.filter((name) => {
    const host = ctx.run.hosts.get(name)!;
    return host.failed && !host.unreachable;
  }).length;
  return failed / ctx.hosts.length > limit / 100;
}

/**
 * any_errors_fatal (task, block or play): one host's failure ends the run for every host. A failed
 * run_once task counts as fatal too, as in ansible-core's linear strategy: it failed for all hosts.
 */
export function anyErrorsFatal(ctx: PlayContext, task: Task, steps: Step[], outcomes: Map<string, StepOutcome>, ranOnce: boolean): boolean {
  // A failure a rescue section catches does not count: the host is not failed (it is `rescued`).
  const failed = [...outcomes.entries()].some(([name, o]) => o.status === 'unreachable' || (o.status === 'failed' && ctx.run.hosts.get(name)!.failed));
  if (!failed) return false;
  return ranOnce || Boolean(task.anyErrorsFatal ?? ctx.play.anyErrorsFatal) || steps.some((step) => step.scope.anyErrorsFatal);
}
