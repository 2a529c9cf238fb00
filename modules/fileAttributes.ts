import { ModuleError } from '../src/core/errors.js';
import { shellJoin, shellQuote } from '../src/core/shellQuote.js';
import { formatMode, type PathState } from './remoteFile.js';

/*
 * A path's mode, owner and group as modules want them: symbolic and octal modes resolved as Ansible does,
 * the chown/chgrp/chmod commands that make a read PathState so, and the diff entries they show.
 */

export interface WantedAttributes {
  mode?: unknown;
  owner?: string;
  group?: string;
}

export interface AttributeChanges {
  mode?: number;
  owner?: string;
  group?: string;
}

/** The umask Ansible applies to symbolic modes without a user part; the target's is assumed standard. */
const TARGET_UMASK = 0o022;

/**
 * Ansible's mode argument: an int is the bits themselves (YAML 0644 is 420), a string of octal digits is
 * octal, anything else is symbolic (`u=rw,g-w,a+X`) applied to `current`.
 */
export function resolveMode(mode: unknown, current: number, isDirectory: boolean): number {
  let bits: number;
  if (typeof mode === 'number') bits = mode;
  else {
    const text = String(mode).trim();
    if (/^(0o)?[0-7]+$/i.test(text)) bits = parseInt(text.replace(/^0o/i, ''), 8);
    else bits = applySymbolicMode(text, current, isDirectory);
  }
  if (!Number.isInteger(bits) || bits < 0 || bits > 0o7777) {
    throw new ModuleError(`Invalid mode supplied, only permission info is allowed: ${String(mode)}`);
  }
  return bits;
}

function applySymbolicMode(text: string, current: number, isDirectory: boolean): number {
  let mode = current & 0o7777;
  for (const clause of text.split(',')) {
    const parts = clause.split(/[-+=]/);
    const operators = clause.match(/[-+=]/g) ?? [];
    const whoText = parts.shift()!;
    if (!operators.length || !/^[ugoa]*$/.test(whoText)) throw new ModuleError(`bad symbolic permission for mode: ${clause}`);
    const useUmask = whoText === '';
    const who = whoText === '' || whoText.includes('a') ? 'ugo' : whoText;
    parts.forEach((perms, index) => {
      if (!/^[rwxXstugo]*$/.test(perms)) throw new ModuleError(`bad symbolic permission for mode: ${clause}`);
      for (const user of who) {
        const bits = symbolicBits(user as 'u' | 'g' | 'o', perms, mode, isDirectory, useUmask);
        mode = applyOperator(user as 'u' | 'g' | 'o', operators[index]!, bits, mode);
      }
    });
  }
  return mode;
}

function symbolicBits(user: 'u' | 'g' | 'o', perms: string, previous: number, isDirectory: boolean, useUmask: boolean): number {
  const shift = { u: 6, g: 3, o: 0 }[user];
  const allowed = useUmask ? ~TARGET_UMASK & 0o7777 : 0o7777;
  const copyFrom = (from: 'u' | 'g' | 'o') => ((previous >> { u: 6, g: 3, o: 0 }[from]) & 7) << shift;
  let bits = 0;
  for (const perm of perms) {
    if (perm === 'r') bits |= (4 << shift) & allowed;
    else if (perm === 'w') bits |= (2 << shift) & allowed;
    else if (perm === 'x') bits |= (1 << shift) & allowed;
    else if (perm === 'X') bits |= isDirectory || (previous & 0o111) ? 1 << shift : 0;
    else if (perm === 's') bits |= user === 'u' ? 0o4000 : user === 'g' ? 0o2000 : 0;
    else if (perm === 't') bits |= user === 'o' ? 0o1000 : 0;
    else bits |= copyFrom(perm as 'u' | 'g' | 'o');
  }
  return bits;
}

function applyOperator(user: 'u' | 'g' | 'o', operator: string, bits: number, mode: number): number {
  if (operator === '+') return mode | bits;
  if (operator === '-') return mode & ~bits;
  const mask = { u: 0o4700, g: 0o2070, o: 0o1007 }[user];
  return (mode & ~mask) | bits;
}

function sameOwner(wanted: string, id: number, name: string): boolean {
  return /^\d+$/.test(wanted) ? Number(wanted) === id : wanted === name;
}

/** What must change so that `state` has the wanted mode/owner/group (nothing when already so). */
export function attributeChanges(state: PathState, wanted: WantedAttributes, defaultMode = 0o644): AttributeChanges {
  const changes: AttributeChanges = {};
  const current = state.exists ? state.mode : defaultMode;
  if (wanted.mode !== undefined && wanted.mode !== null) {
    const mode = resolveMode(wanted.mode, current, state.type === 'directory');
    if (!state.exists || mode !== state.mode) changes.mode = mode;
  }
  if (wanted.owner && (!state.exists || !sameOwner(wanted.owner, state.uid, state.owner))) changes.owner = wanted.owner;
  if (wanted.group && (!state.exists || !sameOwner(wanted.group, state.gid, state.group))) changes.group = wanted.group;
  return changes;
}

export function hasChanges(changes: AttributeChanges): boolean {
  return changes.mode !== undefined || changes.owner !== undefined || changes.group !== undefined;
}

/**
 * Shell commands applying the changes to `path`. Owner before mode: chown clears setuid bits.
 * `noDereference` changes a symlink itself rather than what it points to.
 */
export function attributeCommands(path: string, changes: AttributeChanges, noDereference = false): string[] {
  return attributeCommandsFor(shellQuote(path), changes, noDereference);
}

/** attributeCommands for a path already written as a shell word (e.g. `"$d"` inside a loop). */
export function attributeCommandsFor(pathWord: string, changes: AttributeChanges, noDereference = false): string[] {
  const h = noDereference ? ['-h'] : [];
  const commands: string[] = [];
  const chown = changes.owner === undefined ? undefined : `${shellJoin(['chown', ...h, '--', changes.owner])} ${pathWord}`;
  const chgrp = changes.group === undefined ? undefined : `${shellJoin(['chgrp', ...h, '--', changes.group])} ${pathWord}`;
  if (chown && chgrp) {
    // One program for both; a name it refuses (it then changes nothing) gets chown and chgrp one after the
    // other, as Ansible sets them: the owner changes, and the group's error is chgrp's own. `exit` ends the script
    // there (under set -e as in an && chain): a failure set -e ignored inside a list would not.
    commands.push(`{ ${shellJoin(['chown', ...h, '--', `${changes.owner}:${changes.group}`])} ${pathWord} 2>/dev/null || { ${chown} && ${chgrp}; } || exit; }`);
  } else if (chown || chgrp) commands.push((chown ?? chgrp)!);
  if (changes.mode !== undefined && !noDereference) commands.push(`${shellJoin(['chmod', '--', formatMode(changes.mode)])} ${pathWord}`);
  return commands;
}

/** Ansible's file-module diff entries for attribute changes (before/after dicts). */
export function attributeDiff(state: PathState, changes: AttributeChanges, before: Record<string, unknown>, after: Record<string, unknown>): void {
  if (changes.mode !== undefined && state.exists) {
    before['mode'] = formatMode(state.mode);
    after['mode'] = formatMode(changes.mode);
  }
  if (changes.owner !== undefined && state.exists) {
    before['owner'] = state.uid;
    after['owner'] = /^\d+$/.test(changes.owner) ? Number(changes.owner) : changes.owner;
  }
  if (changes.group !== undefined && state.exists) {
    before['group'] = state.gid;
    after['group'] = /^\d+$/.test(changes.group) ? Number(changes.group) : changes.group;
  }
}

