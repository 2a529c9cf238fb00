import type { Task } from '../playbook/types.js';
import { Templar } from '../template/index.js';
import { closeHostConnections } from './connect.js';
import type { PlayContext } from './context.js';
import { runHandlers } from './handlers.js';
import type { Step, StepOutcome } from './hostWalk.js';
import { conditionsHold, taskInfo } from './runStep.js';
import { taskVariables } from './variables.js';

export function metaAction(task: Task): string {
  return typeof task.args === 'string' ? task.args.trim() : String(task.args['_raw_params'] ?? '');
}

export function isEndPlay(task: Task): boolean {
  return metaAction(task) === 'end_play';
}

/** The meta actions whose `when` ansible-core evaluates (the others run whatever it says). */
const CONDITIONAL = ['end_host', 'end_play', 'end_batch', 'clear_facts', 'clear_host_errors', 'reset_connection', 'role_complete'];
const KNOWN = [...CONDITIONAL, 'flush_handlers', 'noop', 'refresh_inventory'];

/**
 * `meta:` actions. flush_handlers runs the notified handlers; end_play, end_host and end_batch end the play
 * (a batch, with serial) for the hosts whose `when` holds; clear_facts forgets their facts; clear_host_errors
 * lets failed hosts play on; reset_connection closes their connections (the next task opens new ones);
 * noop, refresh_inventory (the inventory is read once) and a written role_complete (ansible-core acts only
 * on its own implicit one) do nothing. A meta whose `when` is false shows `skipping:` and counts nothing.
 */
export async function runMeta(ctx: PlayContext, task: Task, group: ReadonlyArray<readonly [string, Step]>): Promise<Map<string, StepOutcome>> {
  const action = metaAction(task);
  const outcomes = new Map<string, StepOutcome>();
  const hosts = group.map(([name]) => name);
  // ansible-core 2.14's linear strategy announces a written meta task once per host that reached it.
  const info = taskInfo(task);
  for (const name of hosts) {
    ctx.run.events.taskStart(info, hosts);
    if (action === 'flush_handlers') ctx.run.events.log(2, `META: triggered running handlers for ${name}`);
  }
  if (!KNOWN.includes(action)) {
    for (const name of hosts) outcomes.set(name, { status: 'ok' });
    ctx.run.events.warning(`meta: '${action}' is not supported by playtree; ignored`);
    return outcomes;
  }
  if (action === 'flush_handlers') {
    await runHandlers(ctx, hosts);
    for (const name of hosts) outcomes.set(name, { status: ctx.run.hosts.get(name)!.failed ? 'failed' : 'ok' });
    return outcomes;
  }
  const applying: string[] = [];
  for (const [name, step] of group) {
    if (!CONDITIONAL.includes(action) || metaConditionHolds(ctx, task, name, step)) applying.push(name);
    else ctx.run.events.hostResult(info, { host: name, status: 'skipped', result: { changed: false, skipped: true, skip_reason: 'Conditional result was False' } });
  }
  for (const name of hosts) outcomes.set(name, { status: 'ok' });
  for (const name of applying) {
    const host = ctx.run.hosts.get(name)!;
    if (action === 'end_play' || action === 'end_host' || action === 'end_batch') outcomes.set(name, { status: 'ended' });
    else if (action === 'clear_facts') host.facts = {};
    else if (action === 'reset_connection') await closeHostConnections(host);
  }
  if (action === 'clear_host_errors' && applying.length > 0) {
    for (const host of ctx.run.hosts.values()) host.failed = host.unreachable;
  }
  return outcomes;
}

function metaConditionHolds(ctx: PlayContext, task: Task, name: string, step: Step): boolean {
  const templar = new Templar(taskVariables(ctx, ctx.run.hosts.get(name)!, step.scope, task));
  return conditionsHold(templar, [...step.scope.when, ...task.when]);
}
