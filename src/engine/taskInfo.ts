import { parseKv } from '../core/kvSplit.js';
import type { Task } from '../playbook/types.js';
import type { TaskInfo } from './events.js';

/* A task's banner title, as every part of the engine and the listings show it. */

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
