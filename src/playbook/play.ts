import { ParseError, type SourcePosition } from '../core/errors.js';
import { checkKeys, commonKeywords, describe, flag, strictFlag, where, type YamlMap } from './keywords.js';
import type { LoadContext } from './loadContext.js';
import { parseRoleReferences } from './roles.js';
import { parseTaskList } from './tasks.js';
import type { Play, TaskItem } from './types.js';

/** One play mapping into a Play. */

const PLAY_KEYS = [
  'hosts', 'gather_facts', 'vars_files', 'pre_tasks', 'roles', 'tasks', 'post_tasks', 'handlers', 'force_handlers',
  'max_fail_percentage', 'gather_subset', 'gather_timeout', 'fact_path', 'strategy', 'order', 'serial',
];

/** Play keywords passed to the play's Gathering Facts as the setup module's arguments (checked there). */
const GATHER_KEYS = ['gather_subset', 'gather_timeout', 'fact_path'];

/** Play keywords playtree refuses: they change which hosts run when, or ask the user questions. */
const UNSUPPORTED_PLAY_KEYS = ['vars_prompt'];

/** `order` values (ansible-core's): how the play's hosts are ordered. */
const HOST_ORDERS = ['inventory', 'reverse_inventory', 'sorted', 'reverse_sorted', 'shuffle'];
/** Strategies that run as linear here, with a warning: the results are the same, only slower to come. */
const LINEAR_LIKE = ['free', 'host_pinned', 'ansible.builtin.free', 'ansible.builtin.host_pinned'];

export async function parsePlay(map: YamlMap, ctx: LoadContext, pos: SourcePosition): Promise<Play> {
  checkKeys(map, 'Play', PLAY_KEYS, pos, UNSUPPORTED_PLAY_KEYS);
  const strategy = map.strategy;
  // A templated strategy runs as linear too (whatever it renders to, every strategy here is linear).
  const templated = typeof strategy === 'string' && strategy.includes('{{');
  if (strategy !== undefined && strategy !== null && !templated && strategy !== 'linear' && strategy !== 'ansible.builtin.linear') {
    if (!LINEAR_LIKE.includes(String(strategy))) {
      throw new ParseError(`'strategy: ${String(strategy)}' is not supported by playtree (linear; free and host_pinned run as linear): remove it`, where(map, 'strategy', pos));
    }
    ctx.warnings.push(`${pos.file}:${pos.line}: strategy '${String(strategy)}' runs as 'linear' in playtree (each task on all hosts before the next)`);
  }
  const order = map.order;
  if (order !== undefined && order !== null && !HOST_ORDERS.includes(String(order)) && !String(order).includes('{{')) {
    throw new ParseError(`'order' must be one of ${HOST_ORDERS.join(', ')}, got ${describe(order)}`, where(map, 'order', pos));
  }
  const play: Play = {
    ...commonKeywords(map, pos),
    hosts: hosts(map, pos),
    gatherFacts: flag(map, 'gather_facts', pos) ?? true,
    gatherArgs: Object.fromEntries(GATHER_KEYS.filter((key) => map[key] !== undefined && map[key] !== null).map((key) => [key, map[key]])),
    varsFiles: varsFiles(map, pos),
    preTasks: [],
    roles: [],
    tasks: [],
    postTasks: [],
    handlers: [],
    file: pos.file,
  };
  const inPlay: LoadContext = { ...ctx, roleHandlers: [], rolesSeen: new Set(), handlers: false, loadVars: { ...play.vars, ...ctx.loadVars } };
  // Roles a dynamically included role's dependencies are checked against, as the play's role cache is.
  play.rolesSeen = inPlay.rolesSeen;
  play.roles = await parseRoleReferences(map.roles, inPlay, where(map, 'roles', pos));
  play.preTasks = await parseTaskList(map.pre_tasks, inPlay, where(map, 'pre_tasks', pos));
  play.tasks = await parseTaskList(map.tasks, inPlay, where(map, 'tasks', pos));
  play.postTasks = await parseTaskList(map.post_tasks, inPlay, where(map, 'post_tasks', pos));
  const ownHandlers = await parseTaskList(map.handlers, { ...inPlay, handlers: true }, where(map, 'handlers', pos));
  // Role handlers (roles:, import_role) are known to the play as well, after its own, as in Ansible.
  play.handlers = withoutRepeatedRoleHandlers([...ownHandlers, ...play.roles.flatMap((reference) => reference.role.handlers), ...inPlay.roleHandlers]);
  const forceHandlers = strictFlag(map, 'force_handlers', pos);
  if (forceHandlers !== undefined) play.forceHandlers = forceHandlers;
  const maxFail = map.max_fail_percentage;
  if (maxFail !== undefined && maxFail !== null) {
    // Ansible's `percent` type: a number, or text such as "30" or "30%".
    const percent = typeof maxFail === 'string' && /^\s*\d+(?:\.\d+)?\s*%?\s*$/.test(maxFail) ? Number.parseFloat(maxFail) : maxFail;
    if (typeof percent !== 'number') {
      throw new ParseError(`'max_fail_percentage' must be a number or a percentage such as "30%", got ${describe(maxFail)}`, where(map, 'max_fail_percentage', pos));
    }
    play.maxFailPercentage = percent;
  }
  if (typeof order === 'string' && order !== 'inventory') play.order = order;
  const serial = serialSizes(map, pos);
  if (serial) play.serial = serial;
  return play;
}

/** `serial`: a batch size (a number, "30%" or a template), or a list of them for successive batches. */
function serialSizes(map: YamlMap, pos: SourcePosition): Array<number | string> | undefined {
  const value = map.serial;
  if (value === undefined || value === null) return undefined;
  const items = Array.isArray(value) ? value : [value];
  for (const item of items) {
    const valid = typeof item === 'number' || (typeof item === 'string' && (/^\s*\d+\s*%?\s*$/.test(item) || item.includes('{{')));
    if (!valid) throw new ParseError(`'serial' must be a number, a percentage such as "30%", or a list of them, got ${describe(item)}`, where(map, 'serial', pos));
  }
  return items as Array<number | string>;
}

/** A role used twice in a play (roles: and import_role) brings its handlers once: a notify runs them once. */
function withoutRepeatedRoleHandlers(handlers: TaskItem[]): TaskItem[] {
  const seen = new Set<string>();
  return handlers.filter((handler) => {
    if (!handler.role) return true;
    const key = `${handler.position.file}:${handler.position.line}:${handler.position.column}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function hosts(map: YamlMap, pos: SourcePosition): string | string[] {
  const value = map.hosts;
  if (value === undefined || value === null || value === '') throw new ParseError("the field 'hosts' is required but was not set", pos);
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value) && value.length && value.every((item) => typeof item === 'string' || typeof item === 'number')) return value.map(String);
  throw new ParseError(`'hosts' must be a host pattern or a list of them, got ${describe(value)}`, where(map, 'hosts', pos));
}

/** `vars_files`: file names, or lists of names of which the first existing one is used. */
function varsFiles(map: YamlMap, pos: SourcePosition): Array<string | string[]> {
  const value = map.vars_files;
  if (value === undefined || value === null) return [];
  const items = Array.isArray(value) ? value : [value];
  return items.map((item) => {
    if (typeof item === 'string') return item;
    if (Array.isArray(item) && item.every((name) => typeof name === 'string')) return item as string[];
    throw new ParseError(`'vars_files' entries must be file names or lists of file names, got ${describe(item)}`, where(map, 'vars_files', pos));
  });
}
