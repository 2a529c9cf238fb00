import { formatPosition, RunAbortedError } from '../core/errors.js';
import type { ModuleResult } from '../../modules/module.js';
import type { Task } from '../playbook/types.js';
import { Templar } from '../template/index.js';
import { resetHostConnections, resetUnopenedConnection } from './connect.js';
import type { PlayContext } from './context.js';
import type { HostState } from './hostState.js';
import type { Step, StepOutcome } from './hostWalk.js';
import { conditionsHold } from './conditions.js';
import { taskInfo } from './taskInfo.js';
import { taskVariables } from './variables.js';

export function metaAction(task: Task): string {
  return typeof task.args === 'string' ? task.args.trim() : String(task.args['_raw_params'] ?? '');
}

export function isEndPlay(task: Task): boolean {
  return metaAction(task) === 'end_play';
}

/** The meta actions that ignore `when` (ansible-core warns), and what the others say when `when` is false. */
const UNCONDITIONAL = ['noop', 'refresh_inventory', 'reset_connection'];
const SKIP_REASONS: Record<string, (host: string) => string> = {
  flush_handlers: (host) => `, not running handlers for ${host}`,
  clear_facts: (host) => `, not clearing facts and fact cache for ${host}`,
  clear_host_errors: (host) => `, not clearing host error state for ${host}`,
  end_batch: () => ', continuing current batch',
  end_play: () => ', continuing play',
  end_host: (host) => `, continuing execution for ${host}`,
  role_complete: () => '',
};
const DONE_MESSAGES: Record<string, (host: string) => string> = {
  noop: () => 'noop',
  flush_handlers: (host) => `triggered running handlers for ${host}`,
  refresh_inventory: () => 'inventory successfully refreshed',
  clear_facts: () => 'facts cleared',
  clear_host_errors: () => 'cleared host errors',
  end_batch: () => 'ending batch',
  end_play: () => 'ending play',
  end_host: (host) => `ending play for ${host}`,
  role_complete: () => 'role_complete',
  reset_connection: () => 'reset connection',
};

/** flush_handlers' work, handed down by the layer that runs handlers (handlers.ts sits above meta). */
export type FlushHandlers = (hosts: string[]) => Promise<void>;

/**
 * `meta:` actions, as ansible-core 2.14's strategy runs them. flush_handlers runs the notified handlers;
 * end_play, end_host and end_batch end the play (a batch, with serial); clear_facts forgets facts;
 * clear_host_errors lets failed hosts play on; reset_connection closes the host's connections and stops
 * its ssh master (the next task opens new ones); noop, refresh_inventory (the inventory is read once) and a written role_complete
 * (ansible-core acts only on its own implicit one) do nothing. A meta whose `when` is false shows
 * `skipping:` and counts nothing; -vv says `META: ...` as ansible-playbook does.
 */
export async function runMeta(
  ctx: PlayContext,
  task: Task,
  group: ReadonlyArray<readonly [string, Step]>,
  flushHandlers: FlushHandlers,
  isHandler = false,
): Promise<Map<string, StepOutcome>> {
  const action = metaAction(task);
  const events = ctx.run.events;
  const hosts = group.map(([name]) => name);
  const info = taskInfo(task, isHandler);
  if (isHandler && action === 'flush_handlers') {
    events.taskStart(info, hosts);
    throw new RunAbortedError(`${formatPosition(task.position)}: flush_handlers cannot be used as a handler`);
  }
  if (!DONE_MESSAGES[action]) {
    // As ansible-playbook: the task's banner, then the error ends the run (exit 1).
    events.taskStart(info, hosts);
    throw new RunAbortedError(`${formatPosition(task.position)}: invalid meta action requested: ${action}`);
  }
  if (UNCONDITIONAL.includes(action) && task.when.length > 0) events.warning(`${action} task does not support when conditional`);
  const outcomes = new Map<string, StepOutcome>();
  const applying: Array<readonly [string, Step]> = [];
  if (isHandler) events.taskStart(info, hosts);
  for (const [name, step] of group) {
    // ansible-core 2.14's linear strategy announces a written meta task once per host that reached it.
    if (!isHandler) events.taskStart(info, hosts);
    outcomes.set(name, { status: 'ok' });
    if (UNCONDITIONAL.includes(action) || metaConditionHolds(ctx, task, name, step)) {
      applying.push([name, step]);
      events.log(2, `META: ${DONE_MESSAGES[action]!(name)}`);
      continue;
    }
    const reason = `${action} conditional evaluated to False${SKIP_REASONS[action]!(name)}`;
    events.log(2, `META: ${reason}`);
    // ansible-core's skipped meta result has no `changed`; end_host's msg keeps its historical wording.
    const msg = action === 'end_host' ? `end_host conditional evaluated to false, continuing execution for ${name}` : action;
    const result = { msg, skip_reason: reason, skipped: true } as unknown as ModuleResult;
    events.hostResult(info, { host: name, status: 'skipped', result });
  }
  await applyMeta(ctx, task, action, applying, outcomes, flushHandlers);
  return outcomes;
}

async function applyMeta(
  ctx: PlayContext,
  task: Task,
  action: string,
  applying: ReadonlyArray<readonly [string, Step]>,
  outcomes: Map<string, StepOutcome>,
  flushHandlers: FlushHandlers,
): Promise<void> {
  const hosts = applying.map(([name]) => name);
  if (action === 'flush_handlers' && hosts.length > 0) {
    await flushHandlers(hosts);
    for (const name of hosts) outcomes.set(name, { status: ctx.run.hosts.get(name)!.failed ? 'failed' : 'ok' });
  }
  if (action === 'clear_host_errors' && hosts.length > 0) {
    for (const host of ctx.run.hosts.values()) host.failed = host.unreachable;
  }
  for (const [name, step] of applying) {
    const host = ctx.run.hosts.get(name)!;
    if (action === 'end_play' || action === 'end_host' || action === 'end_batch') outcomes.set(name, { status: 'ended' });
    else if (action === 'clear_facts') Object.assign(host, { facts: {}, bareFacts: new Set<string>() });
    else if (action === 'reset_connection') await resetConnection(ctx, task, host, step);
  }
}

/**
 * As Ansible, reset_connection resets the host's connection even when no task of this play has opened it:
 * one is then made from the task's variables (not opened), so that an ssh master an earlier play left stops.
 */
async function resetConnection(ctx: PlayContext, task: Task, host: HostState, step: Step): Promise<void> {
  const opened = host.connection !== undefined;
  await resetHostConnections(host);
  if (opened) return;
  const vars = taskVariables(ctx, host, step.scope, task);
  const keywords = { remoteUser: task.remoteUser ?? step.scope.remoteUser, port: task.port ?? step.scope.port };
  await resetUnopenedConnection(ctx, host, step.scope, vars, new Templar(vars), keywords);
}

function metaConditionHolds(ctx: PlayContext, task: Task, name: string, step: Step): boolean {
  const templar = new Templar(taskVariables(ctx, ctx.run.hosts.get(name)!, step.scope, task));
  return conditionsHold(templar, [...step.scope.when, ...task.when]);
}
