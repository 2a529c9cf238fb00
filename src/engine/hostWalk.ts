import type { TaskItem, Task } from '../playbook/types.js';
import type { ModuleResult } from '../../modules/module.js';
import { blockScope, type Scope } from './scope.js';

/** One task, ready to run on a host, with what it inherits. */
export interface Step {
  task: Task;
  scope: Scope;
}

/** What running a step did to the host's path through the play. */
export interface StepOutcome {
  /** `failed` ends the host's play unless a rescue catches it; `ended` is meta end_host/end_play. */
  status: 'ok' | 'failed' | 'unreachable' | 'ended';
  /** Tasks brought in by include_tasks/include_role, to run next, in order. */
  includes?: Array<{ items: TaskItem[]; scope: Scope }>;
  /** The task's result, and whether its facts went to the host itself (not a delegate_facts host): run_once shares them. */
  registered?: ModuleResult;
  ownFacts?: boolean;
}

export type HostWalk = AsyncGenerator<Step, StepOutcome['status'], StepOutcome>;

/**
 * Walk one host's tasks in order, the way Ansible's play iterator does: a failed task ends the list,
 * a block's rescue runs after a failure in its block, its always runs in every case. The engine drives
 * all hosts' walks in lockstep and sends each step's outcome back in.
 */
export async function* walkItems(items: readonly TaskItem[], scope: Scope): HostWalk {
  for (const item of items) {
    let status: StepOutcome['status'];
    if (item.kind === 'task') {
      const outcome: StepOutcome = yield { task: item, scope: item.role && item.role !== scope.role ? { ...scope, role: item.role } : scope };
      status = outcome.status;
      for (const include of outcome.includes ?? []) {
        if (status !== 'ok') break;
        status = yield* walkItems(include.items, include.scope);
      }
    } else {
      status = yield* walkBlock(item, scope);
    }
    if (status !== 'ok') return status;
  }
  return 'ok';
}

async function* walkBlock(block: Extract<TaskItem, { kind: 'block' }>, scope: Scope): HostWalk {
  const inner = blockScope(scope, block, block.rescue.length > 0);
  let status = yield* walkItems(block.block, inner);
  const recovering = { ...blockScope(scope, block, false), recovering: true };
  if (status === 'failed' && block.rescue.length > 0) {
    status = yield* walkItems(block.rescue, recovering);
  }
  if (block.always.length > 0 && (status === 'ok' || status === 'failed')) {
    const always = yield* walkItems(block.always, recovering);
    if (status === 'ok') status = always;
  }
  return status;
}
