import { isAbsolute, join } from 'node:path';
import { groupsMap, matchHostsWithWarnings, type Inventory } from '../inventory/index.js';
import { loadVarsFile } from '../playbook/index.js';
import type { Play, Playbook, Role, TaskItem } from '../playbook/types.js';
import { Templar } from '../template/index.js';
import { PlaytreeError } from '../core/errors.js';
import { ensureHost, type PlayContext, type RunContext, type RunOptions } from './context.js';
import type { EngineEvents } from './events.js';
import { closeCarriers, closeHostConnections } from './connect.js';
import type { HostState } from './hostState.js';
import { playHandlers } from './handlerList.js';
import { runPlay } from './runPlay.js';

/** How a run ended, for the exit code (ansible-playbook: 0, 2 failed, 4 unreachable). */
export interface RunSummary {
  stats: Map<string, HostState['stats']>;
  anyFailed: boolean;
  anyUnreachable: boolean;
}

/**
 * What the playbooks of one command line share, as ansible-playbook's single task queue manager does: each
 * host's state (facts, set_fact, failures, recap counts) and which hosts have played so far.
 */
export interface SharedRun {
  hosts: Map<string, HostState>;
  played: Set<string>;
}

export function newSharedRun(): SharedRun {
  return { hosts: new Map(), played: new Set() };
}

/**
 * Run every play of the playbook against the inventory; events go to the renderers. The recap counts
 * everything `shared` has seen, earlier playbooks of the same command included.
 */
export async function runPlaybook(
  playbook: Playbook,
  inventory: Inventory,
  options: RunOptions,
  events: EngineEvents,
  shared: SharedRun = newSharedRun(),
): Promise<RunSummary> {
  const run: RunContext = {
    options,
    inventory,
    playbook,
    events,
    hosts: shared.hosts,
    groups: groupsMap(inventory),
    startPending: Boolean(options.startAtTask),
    aborted: false,
  };
  for (const name of inventory.hosts.keys()) ensureHost(run, name);
  const played = shared.played;
  try {
    for (const play of playbook.plays) {
      if (run.aborted) break;
      const ctx = await playContext(run, play);
      ctx.hosts.forEach((name) => played.add(name));
      if (ctx.hosts.length === 0) {
        events.playStart({ name: playTitle(play), hosts: ctx.hosts, pattern: hostPattern(play) });
        events.noHostsMatched();
        continue;
      }
      // serial: the play runs batch after batch, each announced as a play of its own, as ansible-core does.
      for (const batch of serialBatches(play, ctx.hosts, run.options.extraVars)) {
        events.playStart({ name: playTitle(play), hosts: batch, pattern: hostPattern(play) });
        const ended = await runPlay({ ...ctx, hosts: batch, playHosts: ctx.hosts });
        if (ended || run.aborted) break;
      }
    }
  } finally {
    await Promise.all([...run.hosts.values()].map((host) => closeHostConnections(host)));
    await closeCarriers(run);
  }
  // As Ansible's recap: only hosts something was counted for (a host whose tasks were all tagged out is not listed).
  const stats = new Map<string, HostState['stats']>();
  for (const name of played) {
    const counts = run.hosts.get(name)!.stats;
    if (Object.values(counts).some((count) => count > 0)) stats.set(name, counts);
  }
  events.recap(stats);
  const states = [...played].map((name) => run.hosts.get(name)!);
  return {
    stats,
    anyFailed: states.some((host) => host.stats.failed > 0 || (host.failed && !host.unreachable)),
    anyUnreachable: states.some((host) => host.unreachable),
  };
}

function hostPattern(play: Play): string {
  return Array.isArray(play.hosts) ? play.hosts.join(',') : String(play.hosts);
}

function playTitle(play: Play): string {
  return play.name ?? hostPattern(play);
}

async function playContext(run: RunContext, play: Play): Promise<PlayContext> {
  const templar = new Templar({ ...run.options.extraVars });
  const pattern = String(templar.render(hostPattern(play)));
  // Matched when the play starts, as ansible-playbook does: group_by and add_host of earlier plays count.
  const { hosts: matched, warnings } = matchHostsWithWarnings(run.inventory, pattern, run.options.limit);
  if (!hostPattern(play).includes('{{')) warnings.forEach((warning) => run.events.warning(warning));
  for (const name of matched) ensureHost(run, name);
  const order = play.order === undefined ? 'inventory' : String(new Templar({ ...play.vars, ...run.options.extraVars }).render(play.order));
  const hosts = orderedHosts(order, matched.filter((name) => !run.hosts.get(name)!.failed));
  const varsFilesVars: Record<string, unknown> = {};
  const fileTemplar = new Templar({ ...play.vars, ...run.options.extraVars, playbook_dir: run.playbook.dir });
  for (const entry of play.varsFiles) {
    const candidates = (Array.isArray(entry) ? entry : [entry]).map((name) => {
      const rendered = String(fileTemplar.render(name));
      return isAbsolute(rendered) ? rendered : join(run.playbook.dir, rendered);
    });
    let loaded: Record<string, unknown> | undefined;
    let lastError: unknown;
    for (const candidate of candidates) {
      try {
        loaded = await loadVarsFile(candidate);
        break;
      } catch (error) {
        lastError = error;
      }
    }
    if (!loaded) throw lastError instanceof PlaytreeError ? lastError : new PlaytreeError(`vars file ${candidates.join(' or ')} was not found`);
    Object.assign(varsFilesVars, loaded);
  }
  return {
    run,
    play,
    playVars: play.vars,
    varsFilesVars,
    hosts,
    playRoles: staticRoles(play),
    handlers: playHandlers(play),
  };
}

/** Every role a play holds once loaded: `roles:`, import_role blocks and dependencies, in load order. */
function staticRoles(play: Play): Role[] {
  const roles: Role[] = [];
  const add = (role: Role | undefined) => {
    if (role && !roles.includes(role)) roles.push(role);
  };
  // A role's dependencies come before it, so its own vars win over theirs, as in Role.get_vars.
  const visit = (items: readonly TaskItem[]) => {
    for (const item of items) {
      if (item.kind === 'block') visit([...item.block, ...item.rescue, ...item.always]);
      add(item.role);
    }
  };
  for (const reference of play.roles) {
    visit(reference.role.tasks);
    add(reference.role);
  }
  for (const items of [play.preTasks, play.tasks, play.postTasks, play.handlers]) visit(items);
  return roles;
}

/**
 * `serial` batches as ansible-core makes them: each size (a number or a percentage of the play's hosts,
 * at least 1) takes the next hosts, the last size repeating; no serial (or 0) is one batch of all.
 */
export function serialBatches(play: Play, hosts: string[], extraVars: Record<string, unknown>): string[][] {
  const sizes = play.serial ?? [];
  if (sizes.length === 0) return [hosts];
  const templar = new Templar({ ...play.vars, ...extraVars });
  const batches: string[][] = [];
  let rest = [...hosts];
  for (let index = 0; rest.length > 0; index = Math.min(index + 1, sizes.length - 1)) {
    const written = String(templar.render(sizes[index])).trim();
    const size = written.endsWith('%')
      ? Math.floor((Number.parseInt(written, 10) / 100) * hosts.length) || 1
      : Number.parseInt(written, 10);
    if (!Number.isFinite(size)) throw new PlaytreeError(`serial: '${written}' is not a number or a percentage`);
    const take = size <= 0 ? rest.length : size;
    batches.push(rest.slice(0, take));
    rest = rest.slice(take);
  }
  return batches;
}

/** The play's `order`: ansible-core sorts host names as text, and shuffles at random. */
function orderedHosts(order: string, hosts: string[]): string[] {
  switch (order) {
    case 'inventory':
      return hosts;
    case 'reverse_inventory':
      return [...hosts].reverse();
    case 'sorted':
      return [...hosts].sort();
    case 'reverse_sorted':
      return [...hosts].sort().reverse();
    case 'shuffle':
      return hosts.map((name) => ({ name, key: Math.random() })).sort((x, y) => x.key - y.key).map((entry) => entry.name);
    default:
      throw new PlaytreeError(`order: '${order}' is not one of inventory, reverse_inventory, sorted, reverse_sorted, shuffle`);
  }
}
