import type { Play, Role, Task, TaskItem } from '../playbook/types.js';
import { blockScope, playScope, roleReferenceScope, type Scope } from './scope.js';

/*
 * The play's handlers as data: the flat list a play or an included role brings, and which of them a
 * `notify:` reaches. Nothing here runs a task (handlers.ts does).
 */

/** A handler and what it inherits from the play, its role and the blocks or imports around it. */
export interface Handler {
  task: Task;
  scope: Scope;
}

/**
 * The handlers a `notify: NAME` reaches, as ansible-core's strategy finds them: the first handler so named
 * (`NAME` or `ROLE : NAME`), one of the notifying task's own role first, and every handler that listens to
 * NAME. None means the notification names nothing, which ends the run.
 */
export function notifiedHandlers(handlers: readonly Handler[], name: string, role: Role | undefined, renderName: (text: string) => string = (text) => text): Task[] {
  // A templated handler name is rendered when notified; one that does not render answers to nothing.
  const nameOf = (task: Task) => {
    if (task.name === undefined || !task.name.includes('{{')) return task.name;
    try {
      return renderName(task.name);
    } catch {
      return undefined;
    }
  };
  const named = handlers.filter(({ task }) => {
    const handlerName = nameOf(task);
    return handlerName !== undefined && (handlerName === name || (task.role !== undefined && name === `${task.role.name} : ${handlerName}`));
  });
  const first = (role && named.find(({ task }) => task.role === role)) || named[0];
  const listening = handlers.filter(({ task }) => task !== first?.task && task.listen.some((topic) => topic === name || (task.role && name === `${task.role.name} : ${topic}`)));
  return [...(first ? [first.task] : []), ...listening.map(({ task }) => task)];
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
