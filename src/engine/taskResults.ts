import type { ModuleResult } from '../../modules/module.js';
import type { Task } from '../playbook/types.js';
import { markUnsafe } from '../template/index.js';
import type { TaskResult } from './events.js';
import type { HostState } from './hostState.js';
import { isIncludeVars } from './includeVars.js';

/*
 * What a task's result does to the host's state and to what is shown: its status, the facts it sets,
 * the value `register:` keeps, and the failed task as a rescue sees it.
 */

/** `ansible_failed_task` in a rescue: the failed task's main attributes, as ansible-core's task data has them. */
export function failedTaskView(task: Task): Record<string, unknown> {
  return {
    name: task.name ?? task.action,
    action: task.action,
    args: typeof task.args === 'string' ? { _raw_params: task.args } : task.args,
    tags: task.tags,
    when: task.when,
    ...(task.register ? { register: task.register } : {}),
    ...(task.delegateTo !== undefined ? { delegate_to: task.delegateTo } : {}),
  };
}

/**
 * A task's `ansible_facts` become the host's, as the strategy applies them: only when the task did not fail
 * nor skip, and for a looped task item by item (`set_fact` in a loop sets one fact per item). set_fact's and
 * include_vars' are variables of their own precedence level, not facts.
 */
export function applyFacts(task: Task, host: HostState, result: ModuleResult): void {
  if (result.failed || result.skipped) return;
  const items = task.loop === undefined ? [result] : Array.isArray(result['results']) ? (result['results'] as ModuleResult[]) : [];
  for (const item of items) {
    const facts = item.ansible_facts;
    if (!facts || typeof facts !== 'object') continue;
    if (isSetFact(task.action) || isIncludeVars(task.action)) {
      Object.assign(isSetFact(task.action) ? host.setFacts : host.includedVars, facts);
      continue;
    }
    for (const [name, value] of Object.entries(facts)) {
      host.facts[factName(name)] = value;
      if (!name.startsWith('ansible_')) host.bareFacts.add(name);
    }
  }
}

/**
 * What one loop item leaves for the next ones, as ansible-core's task executor updates the loop's variables
 * after each item it ran: the registered result, set_fact's and include_vars' variables as they are, other
 * modules' facts under `ansible_facts` and as `ansible_*` variables.
 */
export function carryToNextItems(task: Task, result: ModuleResult, vars: Record<string, unknown>, carried: Record<string, unknown>): void {
  if (result.skipped) return;
  if (task.register) carried[task.register] = markUnsafe(result);
  const facts = result.ansible_facts;
  if (!facts || typeof facts !== 'object') return;
  if (isSetFact(task.action) || isIncludeVars(task.action)) {
    Object.assign(carried, facts);
    return;
  }
  const known = (carried['ansible_facts'] ?? vars['ansible_facts'] ?? {}) as Record<string, unknown>;
  const namespaced: Record<string, unknown> = { ...known };
  for (const [name, value] of Object.entries(facts)) namespaced[factName(name)] = value;
  carried['ansible_facts'] = namespaced;
  Object.assign(carried, facts);
}

/** A fact's name in `ansible_facts`: without its `ansible_` prefix, except `ansible_local` (Ansible's namespace_facts). */
export function factName(name: string): string {
  return name.startsWith('ansible_') && name !== 'ansible_local' ? name.slice(8) : name;
}

function isSetFact(action: string): boolean {
  return action === 'set_fact' || action.endsWith('.set_fact');
}

export function statusOf(result: ModuleResult): TaskResult['status'] {
  if (result.failed) return 'failed';
  if (result.skipped) return 'skipped';
  return result.changed ? 'changed' : 'ok';
}

/**
 * What `register:` keeps, as ansible-core's strategy stores it: no internal `_ansible_*` keys (at any depth);
 * `failed` on the result, or for a loop on each item that ran (the loop's summary has it only when true).
 */
export function registeredValue(result: ModuleResult, loop: boolean): ModuleResult {
  const value = withoutInternalKeys(result) as ModuleResult;
  if (!loop || !Array.isArray(value['results'])) return { ...value, failed: value.failed ?? false };
  value['results'] = (value['results'] as ModuleResult[]).map((item) => (item.skipped ? item : { ...item, failed: item.failed ?? false }));
  return value;
}

export function withoutInternalKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutInternalKeys);
  if (value === null || typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) if (!key.startsWith('_ansible_')) out[key] = withoutInternalKeys(item);
  return out;
}
