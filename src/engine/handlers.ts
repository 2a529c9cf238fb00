import { confirmedByStep, type PlayContext } from './context.js';
import { eachLimited } from './eachLimited.js';
import { walkItems, type HostWalk, type Step, type StepOutcome } from './hostWalk.js';
import { runMeta } from './meta.js';
import { runStep } from './runStep.js';
import { taskInfo } from './taskInfo.js';

/*
 * Running the notified handlers: above the step runner and meta (a meta handler), below the play.
 */

/**
 * Run the notified handlers, in the order they are written, on the hosts that notified them. A handler
 * that a handler notifies runs in the same flush when it comes later in the list, as in ansible-core.
 */
export async function runHandlers(ctx: PlayContext, hosts: readonly string[], reachedByFailedHosts = false): Promise<void> {
  // A failed host reaches a section's flush only with force_handlers (the play's walk brings it there); one
  // that reaches a written `meta: flush_handlers` in a rescue or always section runs its handlers there.
  const forced = reachedByFailedHosts || forcesHandlers(ctx);
  for (const { task: handler, scope } of ctx.handlers) {
    const notified = hosts.filter((name) => {
      const host = ctx.run.hosts.get(name)!;
      return !host.unreachable && (!host.failed || forced) && host.notified.has(handler);
    });
    if (notified.length === 0) continue;
    if (handler.action === 'meta' || handler.action.endsWith('.meta')) {
      for (const name of notified) ctx.run.hosts.get(name)!.notified.delete(handler);
      await runMeta(ctx, handler, notified.map((name) => [name, { task: handler, scope }] as const), (flushed) => runHandlers(ctx, flushed, true), true);
      continue;
    }
    const info = taskInfo(handler, true);
    if (!(await confirmedByStep(ctx.run, `HANDLER: ${info.title}`))) {
      for (const name of notified) ctx.run.hosts.get(name)!.notified.delete(handler);
      continue;
    }
    ctx.run.events.taskStart(info, notified);
    const included = new Map<string, HostWalk>();
    await eachLimited(notified, ctx.run.options.forks, async (name) => {
      const host = ctx.run.hosts.get(name)!;
      const outcome = await runStep(ctx, host, { task: handler, scope }, info);
      // Cleared after it ran, as ansible-core does: a handler that notifies itself does not run again.
      host.notified.delete(handler);
      if (outcome.status === 'ok' && outcome.includes?.length) included.set(name, walkIncludes(outcome.includes));
    });
    await runIncludedHandlerTasks(ctx, included);
  }
}

/** The tasks an include_tasks/include_role handler brought, one include after the other. */
async function* walkIncludes(includes: NonNullable<StepOutcome['includes']>): HostWalk {
  for (const include of includes) {
    const status = yield* walkItems(include.items, include.scope);
    if (status !== 'ok') return status;
  }
  return 'ok';
}

/**
 * An include handler's tasks run right after it, as handlers (`RUNNING HANDLER [...]`), each task on all
 * the hosts that reached it together, as ansible-core runs them.
 */
async function runIncludedHandlerTasks(ctx: PlayContext, walks: Map<string, HostWalk>): Promise<void> {
  const pending = new Map<string, Step>();
  const advance = async (name: string, outcome?: StepOutcome) => {
    const next = await walks.get(name)!.next(outcome as StepOutcome);
    if (next.done) pending.delete(name);
    else pending.set(name, next.value);
  };
  for (const name of walks.keys()) await advance(name);
  while (pending.size > 0) {
    const task = [...pending.values()][0]!.task;
    const group = [...pending.entries()].filter(([, step]) => step.task === task);
    const info = taskInfo(task, true);
    ctx.run.events.taskStart(info, group.map(([name]) => name));
    const outcomes = new Map<string, StepOutcome>();
    await eachLimited(group, ctx.run.options.forks, async ([name, step]) => {
      outcomes.set(name, await runStep(ctx, ctx.run.hosts.get(name)!, step, info));
    });
    for (const [name] of group) await advance(name, outcomes.get(name));
  }
}

/** force_handlers: the play's keyword, else --force-handlers. */
export function forcesHandlers(ctx: PlayContext): boolean {
  return ctx.play.forceHandlers ?? ctx.run.options.forceHandlers ?? false;
}
