import { ParseError, type SourcePosition } from '../core/errors.js';
import { COMMON_KEYS, describe, HARMLESS_KEYS, isMapping, UNSUPPORTED_KEYS, where, type YamlMap } from './keywords.js';
import { positionOfKey } from '../core/yamlSource.js';

/**
 * Finding a task's action the way Ansible's ModuleArgsParser does: `module: args`, `action: module args`
 * or `local_action:`; exactly one. Arguments are a mapping or the free-form string; the legacy `args:`
 * keyword is merged under them (the module's own arguments win, as in Ansible). A free-form string with
 * `args:` becomes a mapping holding the string in `_raw_params`.
 */

/** Keywords only tasks take, on top of those every kind takes (keywords.ts). */
export const TASK_ONLY_KEYS = [
  'when', 'loop', 'loop_control', 'register', 'notify', 'listen', 'changed_when', 'failed_when', 'until',
  'retries', 'delay', 'delegate_to', 'delegate_facts', 'async', 'poll', 'args', 'action', 'local_action',
];

/** Every keyword a task may carry besides its action (Ansible's Task attributes). */
export const TASK_KEYS = [...COMMON_KEYS, ...HARMLESS_KEYS, ...UNSUPPORTED_KEYS, ...TASK_ONLY_KEYS];

/** Actions the engine carries out itself, accepted whatever isModule says. */
const ENGINE_ACTIONS = ['include_tasks', 'import_tasks', 'include_role', 'import_role', 'meta', 'include_vars', 'validate_argument_spec'];

/** Actions Ansible has that playtree refuses, with what to use instead. */
const REFUSED_ACTIONS: Record<string, string> = {
  include: "'include' is not supported by playtree: use include_tasks (dynamic) or import_tasks (static)",
  import_playbook: "'import_playbook' is only allowed at the top level of a playbook, not in a task list",
};

/** `ansible.builtin.copy` → `copy`; other names as they are. */
export function shortActionName(name: string): string {
  return name.replace(/^ansible\.(builtin|legacy)\./, '');
}

export interface FoundAction {
  action: string;
  args: Record<string, unknown> | string;
  actionPosition: SourcePosition;
  /** `local_action:` runs on localhost. */
  delegateTo?: string;
}

export function findAction(task: YamlMap, pos: SourcePosition, isModule: (name: string) => boolean): FoundAction {
  // A templated module name (`action: {module: "{{ x }}"}`) cannot be checked at load; Ansible lets it pass too.
  const known = (name: string) => ENGINE_ACTIONS.includes(shortActionName(name)) || isModule(name) || name.includes('{{');
  const candidates = Object.keys(task).filter((key) => !TASK_KEYS.includes(key) && !key.startsWith('with_'));
  for (const key of candidates) {
    const refusal = REFUSED_ACTIONS[shortActionName(key)];
    if (refusal) throw new ParseError(refusal, positionOfKey(task, key) ?? pos);
  }
  // As in Ansible, every key that is not a keyword counts as an action, known or not.
  const written: string[] = [...(['action', 'local_action'] as const).filter((key) => key in task), ...candidates];
  if (written.length > 1) throw new ParseError(`conflicting action statements: ${written[0]}, ${written[1]}`, pos);
  const [key] = written;
  if (key === undefined) throw new ParseError('no module/action detected in task.', pos);
  let found: FoundAction;
  if (key === 'action' || key === 'local_action') found = actionKeyword(task, key, pos, known);
  else if (!known(key)) throw unresolved(key, positionOfKey(task, key) ?? pos);
  else found = { action: key, args: actionArgs(task[key], key, where(task, key, pos)), actionPosition: positionOfKey(task, key) ?? pos };
  return { ...found, args: mergeLegacyArgs(task, found.args, pos) };
}

function unresolved(name: string, pos: SourcePosition): ParseError {
  const short = name.split('.').at(-1) ?? name;
  // A library module answers to its short name (and ansible.legacy.), never to another collection's name.
  const asNamed = /^(ansible\.(builtin|legacy)\.)?[^.]+$/.test(name) ? '' : ` (tasks then name it '${short}')`;
  return new ParseError(
    `couldn't resolve module/action '${name}'. This often indicates a misspelling, missing collection, or incorrect module path. ` +
      `playtree's modules are listed in modules/index.ts; a JS module can be added as library/${short}.js beside the playbook or in a role, or in a folder given with -M${asNamed}`,
    pos,
  );
}

/** `action: copy src=a dest=b` or `action: {module: copy, src: a}` (and the same for local_action). */
function actionKeyword(task: YamlMap, key: 'action' | 'local_action', pos: SourcePosition, known: (name: string) => boolean): FoundAction {
  const value = task[key];
  const at = where(task, key, pos);
  let action: string;
  let args: Record<string, unknown> | string;
  if (typeof value === 'string') {
    // The module name is the first word; a `{{ expression }}` with spaces inside counts as one word.
    const match = /^\s*((?:\{\{[\s\S]*?\}\}|\S)+)\s*([\s\S]*)$/.exec(value);
    if (!match) throw new ParseError(`'${key}' needs a module name`, at);
    action = match[1]!;
    args = match[2]!.trim() === '' ? {} : match[2]!.trim();
  } else if (isMapping(value) && typeof value.module === 'string') {
    const { module, ...rest } = value;
    action = module;
    args = rest;
  } else {
    throw new ParseError(`'${key}' must be 'module args' or a mapping with 'module:', got ${describe(value)}`, at);
  }
  if (!known(action)) throw unresolved(action, at);
  const found: FoundAction = { action, args, actionPosition: positionOfKey(task, key) ?? pos };
  if (key === 'local_action') found.delegateTo = 'localhost';
  return found;
}

function actionArgs(value: unknown, action: string, at: SourcePosition): Record<string, unknown> | string {
  if (value === null || value === undefined) return {};
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (isMapping(value)) return { ...value };
  throw new ParseError(`the arguments of '${action}' must be a mapping or a string, got ${describe(value)}`, at);
}

function mergeLegacyArgs(task: YamlMap, args: Record<string, unknown> | string, pos: SourcePosition): Record<string, unknown> | string {
  const extra = task.args;
  if (extra === undefined || extra === null) return args;
  if (!isMapping(extra)) throw new ParseError(`'args' must be a mapping, got ${describe(extra)}`, where(task, 'args', pos));
  if (typeof args === 'string') return { ...extra, _raw_params: args };
  return { ...extra, ...args };
}
