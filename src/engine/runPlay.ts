import type { Task } from '../playbook/types.js';
import { confirmedByStep, type PlayContext } from './context.js';
import type { HostState } from './hostState.js';
import { closeHostConnections } from './connect.js';
import { walkItems, type HostWalk, type Step, type StepOutcome } from './hostWalk.js';
import { eachLimited } from './eachLimited.js';
import { forcesHandlers, runHandlers } from './handlers.js';
import { isEndPlay, runMeta } from './meta.js';
import { PlayOrder } from './playOrder.js';
import { runStep } from './runStep.js';
import { taskInfo } from './taskInfo.js';
import { anyErrorsFatal, exceedsMaxFailPercentage, runsOnce, shareRunOnceResult } from './groupOutcomes.js';
import { playScope, roleReferenceScope, type Scope } from './scope.js';
import { tagsSelect } from './tags.js';
import { Templar } from '../template/index.js';
import { toBoolean } from '../core/boolean.js';
import { taskVariables } from './variables.js';
import { loadModule } from '../../modules/index.js';

/**
 * Run one play the way Ansible's linear strategy does: every host's walk through the play advances in
 * lockstep, one task at a time on all hosts that reached it (at most `forks` at once), and the
 * handlers run where the play's sections end or at `meta: flush_handlers`. Returns whether `meta: end_play`
 * ended it (no further serial batch runs).
 */
export async function runPlay(ctx: PlayContext): Promise<boolean> {
  const scope = playScope(ctx.play);
  const synthetic = syntheticTasks(ctx);
  const walks = new Map<string, HostProgress>();
  for (const name of ctx.hosts) {
    const host = ctx.run.hosts.get(name)!;
    host.notified.clear();
    walks.set(name, { host, walk: playWalk(ctx, scope, synthetic) });
  }
  for (const entry of walks.values()) await advance(ctx, entry, undefined);

  const order = new PlayOrder(ctx.play, synthetic);
  let ended = false;
  let fatalSeen = false;
  for (;;) {
    const waiting = [...walks.entries()].filter(([, entry]) => entry.step);
    if (waiting.length === 0 || ended) break;
    const task = order.next(waiting.map(([, entry]) => entry.step!.task));
    const group = waiting.filter(([, entry]) => entry.step!.task === task);
    const { outcomes, ranOnce } = await runTaskOnGroup(ctx, task, group.map(([name, entry]) => [name, entry.step!] as const), synthetic);
    const fatal = anyErrorsFatal(ctx, task, group.map(([, entry]) => entry.step!), outcomes, ranOnce);
    for (const [name, entry] of group) {
      const outcome = outcomes.get(name) ?? { status: 'ok' };
      if (outcome.status === 'ended' && task.action.endsWith('meta')) ended = isEndPlay(task);
      for (const include of [...(outcome.includes ?? [])].reverse()) order.insert(include.items);
      await advance(ctx, entry, outcome);
    }
    if (fatal) {
      // any_errors_fatal, as ansible-core 2.14's linear strategy: hosts in a rescue or always section finish
      // it, every other host stops; no further play runs. With no host left it says NO MORE HOSTS LEFT.
      fatalSeen = true;
      if (await stopHostsOutsideRecovery(walks)) {
        ctx.run.events.noMoreHosts();
        ctx.run.aborted = true;
        break;
      }
    }
    if (exceedsMaxFailPercentage(ctx)) {
      // ansible-core 2.14's linear strategy announces it twice: once itself, once finding no host left.
      ctx.run.events.noMoreHosts();
      ctx.run.events.noMoreHosts();
      ctx.run.aborted = true;
      break;
    }
  }
  // As ansible-playbook: when every host of the play failed (or was unreachable), no further play runs.
  if (fatalSeen || ctx.hosts.every((name) => ctx.run.hosts.get(name)!.failed)) ctx.run.aborted = true;
  await Promise.all(ctx.hosts.map((name) => closeHostConnections(ctx.run.hosts.get(name)!)));
  return ended;
}

/**
 * any_errors_fatal fired: a host whose next step is not in a rescue or always section is failed and stops
 * (its recap counts nothing more). Returns whether no host has anything left to run.
 */
async function stopHostsOutsideRecovery(walks: Map<string, HostProgress>): Promise<boolean> {
  for (const entry of walks.values()) {
    if (!entry.step || entry.step.scope.recovering) continue;
    entry.step = undefined;
    entry.host.failed = true;
    await entry.walk.return('failed');
    await closeHostConnections(entry.host);
  }
  return [...walks.values()].every((entry) => !entry.step);
}

/** A host's way through the play: its walk and the step it waits at (none when it is done). */
interface HostProgress {
  host: HostState;
  walk: HostWalk;
  step?: Step;
}

/**
 * Move a host's walk to its next step that tags and --start-at-task let run. A host whose walk is over
 * (done, failed or unreachable) lets its connection go at once: a failed host's container stops now.
 */
async function advance(ctx: PlayContext, entry: HostProgress, outcome: StepOutcome | undefined): Promise<void> {
  let next = await entry.walk.next(outcome as StepOutcome);
  while (!next.done && !selected(ctx, next.value)) next = await entry.walk.next({ status: 'ok' });
  entry.step = next.done ? undefined : next.value;
  if (next.done) await closeHostConnections(entry.host);
}

function selected(ctx: PlayContext, step: Step): boolean {
  const { task, scope } = step;
  if (SYNTHETIC.has(task)) return true;
  const options = ctx.run.options;
  if (!tagsSelect([...scope.tags, ...task.tags], options.tags, options.skipTags)) return false;
  if (ctx.run.startPending) {
    const info = taskInfo(task);
    if (info.title !== options.startAtTask && task.name !== options.startAtTask) return false;
    ctx.run.startPending = false;
  }
  return true;
}

const FLUSH = 'meta:flush_handlers';
const GATHER = 'setup';
/** The engine's own steps (Gathering Facts, the handler flushes between sections): never skipped by tags. */
const SYNTHETIC = new WeakSet<Task>();

interface SyntheticTasks {
  gather: Task;
  flushes: Task[];
}

function syntheticTasks(ctx: PlayContext): SyntheticTasks {
  const make = (action: string, name: string, args: Record<string, unknown> = {}): Task => {
    const task: Task = {
      kind: 'task', action, name, args, actionPosition: ctx.play.position, position: ctx.play.position,
      when: [], tags: ['always'], vars: {}, notify: [], listen: [],
    };
    SYNTHETIC.add(task);
    return task;
  };
  const gatherArgs = { ...ctx.run.options.gatherDefaults, ...ctx.play.gatherArgs };
  return { gather: make(GATHER, 'Gathering Facts', gatherArgs), flushes: [0, 1, 2].map(() => make(FLUSH, 'flush_handlers')) };
}

/** A host's whole way through the play: facts, pre_tasks, roles, tasks, post_tasks, with handler flushes. */
async function* playWalk(ctx: PlayContext, scope: Scope, synthetic: SyntheticTasks): HostWalk {
  const play = ctx.play;
  if (gatherFacts(ctx)) {
    const outcome = yield { task: synthetic.gather, scope };
    if (outcome.status !== 'ok') return outcome.status;
  }
  const sections: Array<Array<() => HostWalk>> = [
    [() => walkItems(play.preTasks, scope)],
    [
      ...play.roles.map((reference) => () => walkItems(reference.role.tasks, roleReferenceScope(scope, reference))),
      () => walkItems(play.tasks, scope),
    ],
    [() => walkItems(play.postTasks, scope)],
  ];
  for (const [index, section] of sections.entries()) {
    for (const part of section) {
      const status = yield* part();
      if (status === 'failed' && forcesHandlers(ctx)) {
        // force_handlers: a failed host still runs what it notified, where its section's handlers run
        // (not at a meta: flush_handlers further on), and stops there, as ansible-core 2.14 does.
        yield { task: synthetic.flushes[index]!, scope };
        return status;
      }
      if (status !== 'ok') return status;
    }
    const outcome = yield { task: synthetic.flushes[index]!, scope };
    if (outcome.status !== 'ok') return outcome.status;
  }
  return 'ok';
}

function gatherFacts(ctx: PlayContext): boolean {
  const value = ctx.play.gatherFacts;
  if (typeof value === 'boolean') return value;
  return toBoolean(new Templar(ctx.run.options.extraVars).render(value)) ?? true;
}

/** Run one task on the hosts that reached it; returns each host's outcome, and whether it ran once (run_once). */
async function runTaskOnGroup(
  ctx: PlayContext,
  task: Task,
  group: ReadonlyArray<readonly [string, Step]>,
  synthetic: SyntheticTasks,
): Promise<{ outcomes: Map<string, StepOutcome>; ranOnce: boolean }> {
  const outcomes = new Map<string, StepOutcome>();
  if (task.action === FLUSH) {
    await runHandlers(ctx, group.map(([name]) => name));
    for (const [name] of group) outcomes.set(name, { status: ctx.run.hosts.get(name)!.failed ? 'failed' : 'ok' });
    return { outcomes, ranOnce: false };
  }
  if (task.action === 'meta' || task.action.endsWith('.meta')) return { outcomes: await runMeta(ctx, task, group, (hosts) => runHandlers(ctx, hosts, true)), ranOnce: false };
  const info = task === synthetic.gather ? { ...taskInfo(task), title: 'Gathering Facts' } : taskInfo(bannerNamed(ctx, task, group));
  // --step asks with the name as written (not templated), as ansible-playbook; a skipped task is passed by every host.
  if (!(await confirmedByStep(ctx.run, `TASK: ${task === synthetic.gather ? info.title : taskInfo(task).title}`))) {
    for (const [name] of group) outcomes.set(name, { status: 'ok' });
    return { outcomes, ranOnce: false };
  }
  const ranOnce = runsOnce(ctx, task, group);
  const bypass = !ranOnce && (await bypassesHostLoop(task));
  const hosts = ranOnce || bypass ? group.slice(0, 1) : group;
  ctx.run.events.taskStart(info, hosts.map(([name]) => name));
  await eachLimited(hosts, parallelHosts(ctx, task, group), async ([name, step]) => {
    outcomes.set(name, await runStep(ctx, ctx.run.hosts.get(name)!, step, info));
  });
  if (ranOnce && hosts.length < group.length) shareRunOnceResult(ctx, task, hosts[0]![0], group, outcomes);
  // add_host, pause: the other hosts go on as if the task were not theirs.
  for (const [name] of group) if (!outcomes.has(name)) outcomes.set(name, { status: 'ok' });
  return { outcomes, ranOnce };
}

/**
 * The task with its name templated for the banner, as the linear strategy does with the first host's
 * variables; a name that does not render (a variable not yet set) is shown as written.
 */
function bannerNamed(ctx: PlayContext, task: Task, group: ReadonlyArray<readonly [string, Step]>): Task {
  if (!task.name?.includes('{{')) return task;
  const [first, step] = group[0]!;
  try {
    const templar = new Templar(taskVariables(ctx, ctx.run.hosts.get(first)!, step.scope, task));
    return { ...task, name: String(templar.render(task.name)) };
  } catch {
    return task;
  }
}

/** How many hosts run the task at once: forks, or fewer when the task (its block, role, play) sets `throttle`. */
function parallelHosts(ctx: PlayContext, task: Task, group: ReadonlyArray<readonly [string, Step]>): number {
  const [first, step] = group[0]!;
  const value = task.throttle ?? step.scope.throttle;
  if (value === undefined) return ctx.run.options.forks;
  const templar = new Templar(taskVariables(ctx, ctx.run.hosts.get(first)!, step.scope, task));
  const throttle = Number(templar.render(value));
  return Number.isInteger(throttle) && throttle > 0 ? Math.min(throttle, ctx.run.options.forks) : ctx.run.options.forks;
}

/** A module that runs once for the play (add_host, pause: ansible-core's BYPASS_HOST_LOOP), when the task names one. */
async function bypassesHostLoop(task: Task): Promise<boolean> {
  if (task.action.includes('{{')) return false;
  try {
    return Boolean((await loadModule(task.action))?.bypassHostLoop);
  } catch {
    // A module that cannot be loaded fails on each host when reached.
    return false;
  }
}
