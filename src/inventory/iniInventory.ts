/**
 * Ansible's INI inventory format, read the way ansible-core 2.14's `ini` plugin reads it:
 * sections `[group]`, `[group:children]`, `[group:vars]`; host lines `name[:port] key=value ...`;
 * values typed by Python literal rules (on host lines after shell-style unquoting, in :vars as written).
 * A group named in :children may be declared later; one never declared, or :vars for a group never
 * declared, is an error naming the line, as in Ansible.
 */
import { ParseError } from '../core/errors.js';
import { expandHostPattern } from './hostAddress.js';
import { addChildGroup, addGroup, addHost, GroupLoopError, setVariable } from './inventoryBuilder.js';
import { parsePythonLiteral } from './pythonLiteral.js';
import { ShlexError, shlexSplit } from '../core/shlex.js';
import type { Inventory } from './types.js';

const SECTION = /^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$/;
const GROUP_NAME = /^([^:\]\s]+)\s*(?:#.*)?$/;

type SectionKind = 'hosts' | 'children' | 'vars';
interface PendingDeclaration {
  line: number;
  kind: 'children' | 'vars';
  parents: string[];
}

/** A Python-literal value if the text is one, else the text itself (ansible-core's `_parse_value`). */
export function iniValue(text: string): unknown {
  const literal = parsePythonLiteral(text);
  return literal ? literal.value : text;
}

export function parseIniInventory(inventory: Inventory, text: string, file: string): void {
  const lines = text.split(/\r\n|\n|\r/);
  const pending = new Map<string, PendingDeclaration>();
  let group = 'ungrouped';
  let kind: SectionKind = 'hosts';
  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const line = raw.trim();
    const column = raw.length - raw.trimStart().length + 1;
    const fail = (reason: string, offset = 0): never => {
      throw new ParseError(reason, { file, line: lineNo, column: column + offset });
    };
    if (!line || line[0] === '#' || line[0] === ';') return;
    const section = SECTION.exec(line);
    if (section) {
      group = section[1]!;
      const tag = section[2] ?? 'hosts';
      if (tag !== 'hosts' && tag !== 'children' && tag !== 'vars') {
        fail(`section [${group}:${tag}] has unknown type '${tag}'; use [${group}], [${group}:children] or [${group}:vars]`);
      }
      kind = tag as SectionKind;
      openSection(inventory, pending, group, kind, lineNo, fail);
      return;
    }
    if (line.startsWith('[') && line.endsWith(']')) {
      fail(`invalid section entry '${line}'; a section is [name], [name:children] or [name:vars] without spaces`);
    }
    if (kind === 'hosts') readHostLine(inventory, line, group, file, fail);
    else if (kind === 'vars') readVarsLine(inventory, line, group, fail);
    else readChildLine(inventory, pending, line, group, lineNo, fail);
  });
  for (const [name, declaration] of pending) {
    const position = { file, line: declaration.line, column: 1 };
    if (declaration.kind === 'vars') {
      throw new ParseError(`section [${name}:vars] is for group '${name}', which is never declared; add a [${name}] section`, position);
    }
    const parent = declaration.parents[declaration.parents.length - 1];
    throw new ParseError(
      `section [${parent}:children] includes undefined group '${name}'; declare it with a [${name}] section`,
      position,
    );
  }
}

type Fail = (reason: string, offset?: number) => never;

function openSection(
  inventory: Inventory,
  pending: Map<string, PendingDeclaration>,
  group: string,
  kind: SectionKind,
  lineNo: number,
  fail: Fail,
): void {
  if (!inventory.groups.has(group)) {
    // [g:vars] alone does not declare g; remember it and complain at the end unless [g] follows
    if (kind === 'vars' && !pending.has(group)) pending.set(group, { line: lineNo, kind, parents: [] });
    addGroup(inventory, group);
  }
  const waiting = pending.get(group);
  if (waiting && kind !== 'vars') {
    if (waiting.kind === 'children') resolvePendingChildren(inventory, pending, group, fail);
    else pending.delete(group);
  }
}

function resolvePendingChildren(inventory: Inventory, pending: Map<string, PendingDeclaration>, group: string, fail: Fail): void {
  for (const parent of pending.get(group)!.parents) {
    linkChild(inventory, parent, group, fail);
    if (pending.get(parent)?.kind === 'children') resolvePendingChildren(inventory, pending, parent, fail);
  }
  pending.delete(group);
}

function linkChild(inventory: Inventory, parent: string, child: string, fail: Fail): void {
  try {
    addChildGroup(inventory, parent, child);
  } catch (error) {
    if (error instanceof GroupLoopError) fail(`${error.message} Remove one of the :children entries.`);
    throw error;
  }
}

function readHostLine(inventory: Inventory, line: string, group: string, file: string, fail: Fail): void {
  let tokens: string[];
  try {
    tokens = shlexSplit(line, { comments: true });
  } catch (error) {
    if (error instanceof ShlexError) return fail(`cannot read host line: ${error.message}; check the quotes`, error.index);
    throw error;
  }
  if (tokens.length === 0) return;
  const first = tokens[0]!;
  let expanded: { hosts: string[]; port?: number };
  try {
    expanded = expandHostPattern(first);
  } catch (error) {
    return fail(`bad host range in '${first}': ${(error as Error).message}`);
  }
  if (first.endsWith(':') && expanded.port === undefined) {
    fail(`host '${first}' ends in ':', which is reserved for a port; write name:port or drop the ':'`);
  }
  if (expanded.hosts.some((h) => h.trim() === '---')) fail(`host '---' looks like YAML; give YAML inventories a .yml name`);
  const variables: Record<string, unknown> = {};
  for (const token of tokens.slice(1)) {
    const eq = token.indexOf('=');
    if (eq < 0) fail(`expected key=value host variable assignment, got '${token}'`, Math.max(0, line.indexOf(token)));
    variables[token.slice(0, eq)] = iniValue(token.slice(eq + 1));
  }
  for (const host of expanded.hosts) {
    addHost(inventory, host, group, expanded.port, file);
    for (const [key, value] of Object.entries(variables)) setVariable(inventory, host, key, value);
  }
}

function readVarsLine(inventory: Inventory, line: string, group: string, fail: Fail): void {
  const eq = line.indexOf('=');
  if (eq < 0) fail(`expected key=value in [${group}:vars], got '${line}'`);
  setVariable(inventory, group, line.slice(0, eq).trim(), iniValue(line.slice(eq + 1).trim()));
}

function readChildLine(
  inventory: Inventory,
  pending: Map<string, PendingDeclaration>,
  line: string,
  group: string,
  lineNo: number,
  fail: Fail,
): void {
  const match = GROUP_NAME.exec(line);
  if (!match) return fail(`expected a group name in [${group}:children], got '${line}'`);
  const child = match[1]!;
  if (inventory.groups.has(child)) return linkChild(inventory, group, child, fail);
  const waiting = pending.get(child);
  if (waiting) waiting.parents.push(group);
  else pending.set(child, { line: lineNo, kind: 'children', parents: [group] });
}
