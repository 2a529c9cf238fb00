import type { Task, TaskItem } from '../playbook/types.js';
import type { PlayContext } from './context.js';
import { eachLimited } from './eachLimited.js';
import { flattenTasks } from './includes.js';
import { runStep, taskInfo } from './runStep.js';
import { childScope, rootScope, type Scope } from './scope.js';

/** Run the notified handlers, in the order they are written, on the hosts that notified them. */
export async function runHandlers(ctx: PlayContext, hosts: readonly string[]): Promise<void> {
  // A failed host reaches a flush only with force_handlers (the play's walk brings it to its section's end).
  const forced = forcesHandlers(ctx);
  for (const handler of ctx.handlers) {
    const names = [handler.name ?? '', ...handler.listen].filter(Boolean);
    const notified = hosts.filter((name) => {
      const host = ctx.run.hosts.get(name)!;
      return !host.unreachable && (!host.failed || forced) && names.some((n) => host.notified.has(n) || (handler.role && host.notified.has(`${handler.role.name} : ${n}`)));
    });
    if (notified.length === 0) continue;
    const info = taskInfo(handler, true);
    ctx.run.events.taskStart(info, notified);
    const scope = handlerScope(ctx, handler);
    await eachLimited(notified, ctx.run.options.forks, async (name) => {
      const host = ctx.run.hosts.get(name)!;
      for (const n of names) host.notified.delete(n);
      await runStep(ctx, host, { task: handler, scope }, info);
    });
  }
}

/** force_handlers: the play's keyword, else --force-handlers. */
export function forcesHandlers(ctx: PlayContext): boolean {
  return ctx.play.forceHandlers ?? ctx.run.options.forceHandlers ?? false;
}

function handlerScope(ctx: PlayContext, handler: Task): Scope {
  const scope = childScope(rootScope(), { ...ctx.play, vars: {} });
  if (!handler.role) return scope;
  return { ...scope, role: handler.role, roleDefaults: [handler.role.defaults], roleVars: [handler.role.vars] };
}

/** The play's handlers, its roles' first, as one list in the order they are written. */
export function playHandlers(handlers: readonly TaskItem[], roleHandlers: readonly TaskItem[]): Task[] {
  return flattenTasks([...roleHandlers, ...handlers]);
}
