import type { Play, Role, Task, TaskItem } from '../playbook/types.js';
import type { PlayContext } from './context.js';
import { eachLimited } from './eachLimited.js';
import { runStep, taskInfo } from './runStep.js';
import { blockScope, playScope, roleReferenceScope, type Scope } from './scope.js';

/** A handler and what it inherits from the play, its role and the blocks or imports around it. */
export interface Handler {
  task: Task;
  scope: Scope;
}

/**
 * Run the notified handlers, in the order they are written, on the hosts that notified them. A handler
 * that a handler notifies runs in the same flush when it comes later in the list, as in ansible-core.
 */
export async function runHandlers(ctx: PlayContext, hosts: readonly string[]): Promise<void> {
  // A failed host reaches a flush only with force_handlers (the play's walk brings it to its section's end).
  const forced = forcesHandlers(ctx);
  for (const { task: handler, scope } of ctx.handlers) {
    const notified = hosts.filter((name) => {
      const host = ctx.run.hosts.get(name)!;
      return !host.unreachable && (!host.failed || forced) && host.notified.has(handler);
    });
    if (notified.length === 0) continue;
    const info = taskInfo(handler, true);
    ctx.run.events.taskStart(info, notified);
    await eachLimited(notified, ctx.run.options.forks, async (name) => {
      const host = ctx.run.hosts.get(name)!;
      host.notified.delete(handler);
      await runStep(ctx, host, { task: handler, scope }, info);
    });
  }
}

/**
 * The handlers a `notify: NAME` reaches, as ansible-core's strategy finds them: the first handler so named
 * (`NAME` or `ROLE : NAME`), one of the notifying task's own role first, and every handler that listens to
 * NAME. None means the notification names nothing, which ends the run.
 */
export function notifiedHandlers(handlers: readonly Handler[], name: string, role: Role | undefined): Task[] {
  const named = handlers.filter(({ task }) => task.name === name || (task.role && name === `${task.role.name} : ${task.name}`));
  const first = (role && named.find(({ task }) => task.role === role)) || named[0];
  const listening = handlers.filter(({ task }) => task !== first?.task && task.listen.some((topic) => topic === name || (task.role && name === `${task.role.name} : ${topic}`)));
  return [...(first ? [first.task] : []), ...listening.map(({ task }) => task)];
}

/** force_handlers: the play's keyword, else --force-handlers. */
export function forcesHandlers(ctx: PlayContext): boolean {
  return ctx.play.forceHandlers ?? ctx.run.options.forceHandlers ?? false;
}

/**
 * The play's handlers, those of its `roles:` first (with each role's params), then the play's own list
 * (which also names the roles' handlers: each handler is listed once), each with its scope.
 */
export function playHandlers(play: Play): Handler[] {
  const scope = playScope(play);
  const fromRoles = play.roles.flatMap((reference) => flattenHandlers(reference.role.handlers, roleReferenceScope(scope, reference)));
  const listed = new Set(fromRoles.map(({ task }) => task));
  return [...fromRoles, ...flattenHandlers(play.handlers, scope).filter(({ task }) => !listed.has(task))];
}

/** Handlers may be written inside blocks (or come from import_tasks/import_role): they run as one flat list, keeping the blocks' keywords. */
export function flattenHandlers(items: readonly TaskItem[], scope: Scope): Handler[] {
  return items.flatMap((item) =>
    item.kind === 'task' ? [{ task: item, scope }] : flattenHandlers([...item.block, ...item.rescue, ...item.always], blockScope(scope, item, false)));
}
