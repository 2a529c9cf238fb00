import { ParseError, type SourcePosition } from '../core/errors.js';
import { toBoolean } from '../core/boolean.js';
import { positionOf, positionOfKey, positionOfValue } from '../core/yamlSource.js';
import type { CommonKeywords } from './types.js';

/**
 * Reading the keywords plays, blocks, tasks and roles share, and checking that a mapping holds only keys
 * its kind allows. Values that may be templated at run time are kept as written (strings with `{{ }}`).
 */

export type YamlMap = Record<string, unknown>;

/** The keywords every kind understands (Ansible's Base + Taggable keywords that playtree implements). */
export const COMMON_KEYS = [
  'name', 'vars', 'environment', 'become', 'become_user', 'become_method', 'remote_user', 'port', 'ignore_errors', 'any_errors_fatal', 'run_once',
  'connection', 'check_mode', 'diff', 'tags', 'no_log', 'module_defaults', 'throttle',
];

/** Keywords Ansible has that change nothing for playtree's targets: accepted, ignored. */
export const HARMLESS_KEYS = ['become_flags', 'become_exe', 'collections', 'debugger'];

/** Keywords Ansible has that playtree does not implement; ignoring them would silently change behaviour. */
export const UNSUPPORTED_KEYS = ['timeout', 'ignore_unreachable'];

export function isMapping(value: unknown): value is YamlMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `a ${typeof value === 'number' ? 'number' : typeof value === 'boolean' ? 'boolean' : 'string'} (${JSON.stringify(value)})`;
}

/** Position of `map[key]`'s value, else of the key, else of the map, else `fallback`. */
export function where(map: unknown, key: string | undefined, fallback: SourcePosition): SourcePosition {
  return (key !== undefined ? positionOfValue(map, key) ?? positionOfKey(map, key) : undefined) ?? positionOf(map) ?? fallback;
}

/**
 * Reject keys `kind` does not allow, with Ansible's wording for unknown ones. `allowed` lists the keys
 * it implements on top of COMMON_KEYS; `extraUnsupported` adds kind-specific refusals.
 */
export function checkKeys(map: YamlMap, kind: string, allowed: readonly string[], pos: SourcePosition, extraUnsupported: readonly string[] = []): void {
  for (const key of Object.keys(map)) {
    if (allowed.includes(key) || COMMON_KEYS.includes(key) || HARMLESS_KEYS.includes(key)) continue;
    const at = positionOfKey(map, key) ?? pos;
    if (UNSUPPORTED_KEYS.includes(key) || extraUnsupported.includes(key)) {
      throw new ParseError(`'${key}' is not supported by playtree (on a ${kind}): remove it`, at);
    }
    throw new ParseError(`'${key}' is not a valid attribute for a ${kind}`, at);
  }
}

/** `when`-like values: a string or boolean, or a list of them; always returned as a list. */
export function conditionList(map: YamlMap, key: string, pos: SourcePosition): Array<string | boolean> {
  const value = map[key];
  if (value === undefined || value === null) return [];
  const items = Array.isArray(value) ? value : [value];
  return items.map((item, index) => {
    if (typeof item === 'string' || typeof item === 'boolean') return item;
    if (typeof item === 'number') return String(item);
    const at = Array.isArray(value) ? positionOfValue(value, index) ?? where(map, key, pos) : where(map, key, pos);
    throw new ParseError(`'${key}' must be a condition string or boolean, got ${describe(item)}`, at);
  });
}

/** Ansible's tag loading: a list as is (items as strings), or a string split at commas. */
function tagList(map: YamlMap, key: string, pos: SourcePosition): string[] {
  const value = map[key];
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return value.split(',').map((tag) => tag.trim()).filter((tag) => tag !== '');
  if (Array.isArray(value) && value.every((tag) => ['string', 'number', 'boolean'].includes(typeof tag))) return value.map(String);
  throw new ParseError(`tags must be specified as a list`, where(map, key, pos));
}

/** `notify`/`listen`: a string or a list of strings (no comma splitting, as in Ansible). */
export function stringList(map: YamlMap, key: string, pos: SourcePosition): string[] {
  const value = map[key];
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((item) => typeof item === 'string' || typeof item === 'number')) return value.map(String);
  throw new ParseError(`'${key}' must be a string or a list of strings, got ${describe(value)}`, where(map, key, pos));
}

export function optionalString(map: YamlMap, key: string, pos: SourcePosition): string | undefined {
  const value = map[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new ParseError(`'${key}' must be a string, got ${describe(value)}`, where(map, key, pos));
}

/** A yes/no keyword: a boolean, or a string template decided at run time. */
export function flag(map: YamlMap, key: string, pos: SourcePosition): boolean | string | undefined {
  const value = map[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' && value.includes('{{')) return value;
  const bool = toBoolean(value);
  if (bool === undefined) throw new ParseError(`'${key}' must be a boolean (yes/no/true/false), got ${describe(value)}`, where(map, key, pos));
  return bool;
}

/** A yes/no keyword that cannot be templated. */
export function strictFlag(map: YamlMap, key: string, pos: SourcePosition): boolean | undefined {
  const value = flag(map, key, pos);
  if (typeof value === 'string') throw new ParseError(`'${key}' must be a plain boolean here, not a template`, where(map, key, pos));
  return value;
}

/** `vars:` a mapping, or a list of mappings merged in order. */
function varsMapping(map: YamlMap, key: string, pos: SourcePosition): Record<string, unknown> {
  const value = map[key];
  if (value === undefined || value === null) return {};
  if (isMapping(value)) return { ...value };
  if (Array.isArray(value) && value.every(isMapping)) return Object.assign({}, ...value) as Record<string, unknown>;
  throw new ParseError(`'${key}' must be a mapping of variable names to values, got ${describe(value)}`, where(map, key, pos));
}

function environment(map: YamlMap, pos: SourcePosition): Record<string, unknown> | string | undefined {
  const value = map.environment;
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (isMapping(value)) return { ...value };
  if (Array.isArray(value) && value.every((item) => isMapping(item))) return Object.assign({}, ...value) as Record<string, unknown>;
  throw new ParseError(`'environment' must be a mapping (or a template string), got ${describe(value)}`, where(map, 'environment', pos));
}

/**
 * `module_defaults`: a mapping of module names (short, FQCN or `group/...`) to argument mappings, or a list
 * of such mappings merged in order.
 */
function moduleDefaults(map: YamlMap, pos: SourcePosition): Record<string, Record<string, unknown>> | undefined {
  const value = map.module_defaults;
  if (value === undefined || value === null) return undefined;
  const at = where(map, 'module_defaults', pos);
  const layers = Array.isArray(value) ? value : [value];
  const merged: Record<string, Record<string, unknown>> = {};
  for (const layer of layers) {
    if (!isMapping(layer)) throw new ParseError(`'module_defaults' must be a mapping of module names to argument mappings, got ${describe(layer)}`, at);
    for (const [module, args] of Object.entries(layer)) {
      if (args === null) continue;
      if (!isMapping(args)) throw new ParseError(`module_defaults for '${module}' must be a mapping of arguments, got ${describe(args)}`, at);
      merged[module] = { ...merged[module], ...args };
    }
  }
  return merged;
}

/** The shared keywords of `map` (which must already have passed checkKeys). */
export function commonKeywords(map: YamlMap, pos: SourcePosition): CommonKeywords {
  const keywords: CommonKeywords = {
    when: conditionList(map, 'when', pos),
    tags: tagList(map, 'tags', pos),
    vars: varsMapping(map, 'vars', pos),
    position: pos,
  };
  const name = optionalString(map, 'name', pos);
  if (name !== undefined) keywords.name = name;
  const env = environment(map, pos);
  if (env !== undefined) keywords.environment = env;
  const become = flag(map, 'become', pos);
  if (become !== undefined) keywords.become = become;
  const becomeUser = optionalString(map, 'become_user', pos);
  if (becomeUser !== undefined) keywords.becomeUser = becomeUser;
  const becomeMethod = optionalString(map, 'become_method', pos);
  if (becomeMethod !== undefined) keywords.becomeMethod = becomeMethod;
  const remoteUser = optionalString(map, 'remote_user', pos);
  if (remoteUser !== undefined) keywords.remoteUser = remoteUser;
  const port = map.port;
  if (port !== undefined && port !== null) {
    if (typeof port !== 'number' && typeof port !== 'string') throw new ParseError(`'port' must be a port number, got ${describe(port)}`, where(map, 'port', pos));
    keywords.port = port;
  }
  const ignoreErrors = flag(map, 'ignore_errors', pos);
  if (ignoreErrors !== undefined) keywords.ignoreErrors = ignoreErrors;
  const anyErrorsFatal = strictFlag(map, 'any_errors_fatal', pos);
  if (anyErrorsFatal !== undefined) keywords.anyErrorsFatal = anyErrorsFatal;
  const runOnce = flag(map, 'run_once', pos);
  if (runOnce !== undefined) keywords.runOnce = runOnce;
  const connection = optionalString(map, 'connection', pos);
  if (connection !== undefined) keywords.connection = connection;
  const checkMode = flag(map, 'check_mode', pos);
  if (checkMode !== undefined) keywords.checkMode = checkMode;
  const diff = flag(map, 'diff', pos);
  if (diff !== undefined) keywords.diff = diff;
  const noLog = flag(map, 'no_log', pos);
  if (noLog !== undefined) keywords.noLog = noLog;
  const throttle = map.throttle;
  if (throttle !== undefined && throttle !== null) {
    if (typeof throttle !== 'number' && typeof throttle !== 'string') throw new ParseError(`'throttle' must be a number, got ${describe(throttle)}`, where(map, 'throttle', pos));
    keywords.throttle = throttle;
  }
  const defaults = moduleDefaults(map, pos);
  if (defaults !== undefined) keywords.moduleDefaults = defaults;
  return keywords;
}
