import type { Task } from '../playbook/types.js';
import { Templar } from '../template/index.js';
import type { PlayContext } from './context.js';
import { runHandlers } from './handlers.js';
import type { Step, StepOutcome } from './hostWalk.js';
import { conditionsHold, taskInfo } from './runStep.js';
import { taskVariables } from './variables.js';

export function isEndPlay(task: Task): boolean {
  const args = typeof task.args === 'string' ? task.args.trim() : String(task.args['_raw_params'] ?? '');
  return args === 'end_play';
}

/** `meta:` actions: flush_handlers, end_play, end_host, noop and the ones that mean nothing here. */
export async function runMeta(ctx: PlayContext, task: Task, group: ReadonlyArray<readonly [string, Step]>): Promise<Map<string, StepOutcome>> {
  const action = typeof task.args === 'string' ? task.args.trim() : String(task.args['_raw_params'] ?? '');
  const outcomes = new Map<string, StepOutcome>();
  const hosts = group.map(([name]) => name);
  // ansible-core 2.14's linear strategy announces a written meta task once per host that reached it.
  const info = taskInfo(task);
  for (const name of hosts) {
    ctx.run.events.taskStart(info, hosts);
    if (action === 'flush_handlers') ctx.run.events.log(2, `META: triggered running handlers for ${name}`);
  }
  switch (action) {
    case 'flush_handlers':
      await runHandlers(ctx, hosts);
      for (const name of hosts) outcomes.set(name, { status: ctx.run.hosts.get(name)!.failed ? 'failed' : 'ok' });
      break;
    case 'end_play':
    case 'end_host':
    case 'end_batch':
      for (const [name, step] of group) {
        const templar = new Templar(taskVariables(ctx, ctx.run.hosts.get(name)!, step.scope, task));
        const applies = conditionsHold(templar, [...step.scope.when, ...task.when]);
        outcomes.set(name, { status: applies ? 'ended' : 'ok' });
      }
      break;
    case 'clear_host_errors':
      for (const host of ctx.run.hosts.values()) host.failed = host.unreachable;
      for (const name of hosts) outcomes.set(name, { status: 'ok' });
      break;
    case 'noop':
    case 'refresh_inventory':
    case 'reset_connection':
    case 'clear_facts':
      if (action === 'clear_facts') {
        for (const name of hosts) Object.assign(ctx.run.hosts.get(name)!, { facts: {}, bareFacts: new Set() });
      }
      for (const name of hosts) outcomes.set(name, { status: 'ok' });
      break;
    default:
      for (const name of hosts) outcomes.set(name, { status: 'ok' });
      ctx.run.events.warning(`meta: '${action}' is not supported by playtree; ignored`);
  }
  return outcomes;
}
