/**
 * Host patterns as ansible-core evaluates them (InventoryManager.get_hosts): `all`, `*`, names, globs,
 * `~regex`, subscripts `group[0]`/`group[1:2]`, and lists joined by `,` or `:` with `&` (and) and
 * `!` (not) applied after the plain parts. `--limit` is a second pattern the result must also match;
 * a limit may name `@file` holding one pattern per line.
 */
import { readFileSync, statSync } from 'node:fs';
import { PlaytreeError } from '../core/errors.js';
import { parseAddress } from './hostAddress.js';
import { hostRecord, hostsOfGroup } from './hostGroups.js';
import type { Inventory } from './types.js';
import { LOCALHOST_NAMES } from './types.js';

export interface HostMatch {
  hosts: string[];
  /** Ansible's warnings, e.g. "Could not match supplied host pattern, ignoring: web9". */
  warnings: string[];
}

const SUBSCRIPT = /^(.+)\[(?:(-?[0-9]+)|([0-9]+)([:-])([0-9]*))\]$/;
const PATTERN_PART = /(?:[^\s:[\]]|\[[^\]]*\])+/g;

/** ansible-core's split_host_pattern: `a,b` or (without commas) `a:b`, keeping `[x:y]` and `host:port` whole. */
export function splitHostPattern(pattern: string): string[] {
  let parts: string[];
  if (pattern.includes(',')) parts = pattern.split(',');
  else if (parseAddress(pattern, true)) parts = [pattern];
  else parts = pattern.match(PATTERN_PART) ?? [];
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

/** Host names matching `pattern` (and `limit`, if given), in Ansible's order. */
export function matchHosts(inventory: Inventory, pattern: string, limit?: string): string[] {
  return matchHostsWithWarnings(inventory, pattern, limit).hosts;
}

export function matchHostsWithWarnings(inventory: Inventory, pattern: string, limit?: string): HostMatch {
  const warnings: string[] = [];
  let hosts = evaluatePatterns(inventory, splitHostPattern(pattern), warnings);
  if (limit !== undefined) {
    const allowed = new Set(evaluatePatterns(inventory, limitPatterns(limit), warnings));
    hosts = hosts.filter((h) => allowed.has(h));
  }
  return { hosts, warnings };
}

function limitPatterns(limit: string): string[] {
  const patterns: string[] = [];
  for (const part of splitHostPattern(limit)) {
    if (!part.startsWith('@')) {
      patterns.push(part);
      continue;
    }
    const file = part.slice(1);
    let isFile: boolean;
    try {
      isFile = statSync(file).isFile();
    } catch {
      throw new PlaytreeError(`Unable to find limit file ${file}; check the path after '@' in --limit`);
    }
    if (!isFile) throw new PlaytreeError(`Limit starting with "@" must be a file, not a directory: ${file}`);
    patterns.push(...readFileSync(file, 'utf8').split('\n').map((l) => l.trim()));
  }
  return patterns;
}

function evaluatePatterns(inventory: Inventory, patterns: string[], warnings: string[]): string[] {
  const nonEmpty = patterns.filter((p) => p !== '');
  const plain = nonEmpty.filter((p) => p[0] !== '!' && p[0] !== '&');
  const ordered = [
    ...(plain.length > 0 ? plain : ['all']),
    ...nonEmpty.filter((p) => p[0] === '&'),
    ...nonEmpty.filter((p) => p[0] === '!'),
  ];
  let hosts: string[] = [];
  for (const p of ordered) {
    if (inventory.hosts.has(p)) {
      if (!hosts.includes(p)) hosts.push(p);
      continue;
    }
    const that = matchOnePattern(inventory, p, warnings);
    if (p[0] === '!') hosts = hosts.filter((h) => !that.includes(h));
    else if (p[0] === '&') hosts = hosts.filter((h) => that.includes(h));
    else for (const h of that) if (!hosts.includes(h)) hosts.push(h);
  }
  return hosts;
}

function matchOnePattern(inventory: Inventory, pattern: string, warnings: string[]): string[] {
  const bare = pattern[0] === '&' || pattern[0] === '!' ? pattern.slice(1) : pattern;
  const { expression, subscript } = splitSubscript(bare);
  const hosts = enumerateMatches(inventory, expression, warnings);
  if (!subscript || hosts.length === 0) return hosts;
  const [start, end] = subscript;
  const at = (i: number): number => (i < 0 ? hosts.length + i : i);
  if (end === undefined) {
    const host = hosts[at(start)];
    if (host === undefined) throw new PlaytreeError(`No hosts matched the subscripted pattern '${bare}'`);
    return [host];
  }
  return hosts.slice(at(start), (end === -1 ? hosts.length - 1 : end) + 1);
}

function splitSubscript(pattern: string): { expression: string; subscript?: [number, number?] } {
  if (pattern[0] === '~') return { expression: pattern };
  const match = SUBSCRIPT.exec(pattern);
  if (!match) return { expression: pattern };
  if (match[2] !== undefined) return { expression: match[1]!, subscript: [Number(match[2])] };
  // an open end (`[1:]`) means "to the last host"; Python's falsy 0 makes `[x:0]` behave the same
  const end = match[5] ? Number(match[5]) : -1;
  return { expression: match[1]!, subscript: [Number(match[3]), end === 0 ? undefined : end] };
}

/** fnmatch.translate for globs (`*`, `?`, `[seq]`, `[!seq]`), or the regex after `~`; anchored at the start. */
function patternMatcher(pattern: string): RegExp {
  try {
    if (pattern[0] === '~') return new RegExp('^(?:' + pattern.slice(1) + ')', 'u');
    let source = '';
    for (let i = 0; i < pattern.length; i++) {
      const ch = pattern[i]!;
      const close = ch === '[' ? pattern.indexOf(']', i + 2) : -1;
      if (ch === '*') source += '[\\s\\S]*';
      else if (ch === '?') source += '[\\s\\S]';
      else if (ch === '[' && close > 0) {
        const body = pattern.slice(i + 1, close).replace(/\\/g, '\\\\');
        source += body[0] === '!' ? `[^${body.slice(1)}]` : `[${body}]`;
        i = close;
      } else source += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
    return new RegExp('^(?:' + source + ')$', 'u');
  } catch {
    throw new PlaytreeError(`Invalid host list pattern: ${pattern}; check the brackets or the regex after '~'`);
  }
}

function enumerateMatches(inventory: Inventory, pattern: string, warnings: string[]): string[] {
  const matcher = patternMatcher(pattern);
  const results: string[] = [];
  const add = (host: string): void => {
    if (!results.includes(host)) results.push(host);
  };
  const matchingGroups = [...inventory.groups.keys()].filter((name) => matcher.test(name));
  for (const group of matchingGroups) hostsOfGroup(inventory, group).forEach(add);
  if (matchingGroups.length === 0 || pattern[0] === '~' || /[.?*[]/.test(pattern)) {
    for (const host of inventory.hosts.keys()) if (matcher.test(host)) add(host);
  }
  if (results.length === 0 && LOCALHOST_NAMES.has(pattern)) {
    const implicit = hostRecord(inventory, pattern);
    if (implicit) add(implicit.name);
  }
  if (results.length === 0 && matchingGroups.length === 0 && pattern !== 'all') {
    warnings.push(`Could not match supplied host pattern, ignoring: ${pattern}`);
  }
  return results;
}
