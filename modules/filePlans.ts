import { shellJoin, shellQuote } from '../src/core/shellQuote.js';
import type { ModuleContext, ModuleResult } from './module.js';
import { timeCommands, timesChange, type WantedTime } from './fileTimes.js';
import { ansibleStateName, formatMode, pathInfo, type PathState } from './remoteFile.js';
import { attributeChanges, attributeCommands, attributeCommandsFor, attributeDiff, resolveMode, type WantedAttributes } from './fileAttributes.js';

/*
 * ansible.builtin.file's decisions: from the facts one command read (the path, followed or not, and src),
 * what state's commands must run and what the result says. file.ts reads the facts and applies the plan.
 */

/** The exit status of the apply script when a folder to be replaced by a link is not empty. */
export const NOT_EMPTY_EXIT = 39;

export interface Plan {
  changed: boolean;
  commands: string[];
  /** Key naming the path in the result: Ansible says `dest` for touch/link/hard, `path` otherwise. */
  key: 'path' | 'dest';
  /** The path whose state ends the result (the link target when following). */
  reportPath: string;
  extra?: Record<string, unknown>;
  recurse?: { check: string[]; apply: string[] };
  /** The reported path's state once the commands ran, when they only chmod it: no need to read it back. */
  known?: PathState;
  /**
   * The commands create the reported path through the umask with this mode (`levels`: and every folder above it
   * that they make, listed in "$@"). A default ACL on its folder wins over the umask: the mode is checked once
   * it is made, and set where it differs (fileApply.ts).
   */
  createdMode?: { mode: number; levels: boolean };
}

export interface Facts {
  path: string;
  link: PathState;
  followed: PathState;
  source?: PathState;
  /** src as written, and resolved where Ansible looks for it. */
  givenSrc?: string;
  absoluteSource?: string;
  wanted: WantedAttributes;
  before: Record<string, unknown>;
  after: Record<string, unknown>;
}

export function isFailure(value: Plan | ModuleResult): value is ModuleResult {
  return (value as ModuleResult).failed === true;
}

/** Ansible adds what is at `path` (owner, mode, state, size...) to a failure that names it. */
export function withPathInfo(facts: Facts, result: ModuleResult): ModuleResult {
  if (result['path'] !== facts.path) return result;
  return facts.followed.exists ? { ...result, ...pathInfo(facts.link) } : result;
}

export function failure(msg: string, extra: Record<string, unknown> = {}): ModuleResult {
  return { changed: false, failed: true, msg, ...extra };
}

export function planState(ctx: ModuleContext, state: string, prev: string, facts: Facts, mtime: WantedTime, atime: WantedTime): Plan | ModuleResult {
  const { path } = facts;
  const follow = ctx.args['follow'] as boolean;
  const force = ctx.args['force'] as boolean;
  const target = follow && facts.link.type === 'link' && facts.followed.exists ? facts.followed : facts.link;
  const targetPath = target === facts.followed ? facts.link.realPath ?? path : path;
  const attributes = (subject: PathState, where: string, noDereference = false) => {
    const changes = attributeChanges(subject, facts.wanted, subject.type === 'directory' ? 0o755 : 0o644);
    attributeDiff(subject, changes, facts.before, facts.after);
    const commands = attributeCommands(where, changes, noDereference);
    if (subject.exists && timesChange(mtime, atime, subject)) {
      commands.push(...timeCommands(where, mtime, atime));
      const now = Date.now() / 1000;
      if (mtime !== undefined) {
        facts.before['mtime'] = subject.mtime;
        facts.after['mtime'] = mtime === 'now' ? now : mtime;
      }
      if (atime !== undefined) {
        facts.before['atime'] = subject.atime;
        facts.after['atime'] = atime === 'now' ? now : atime;
      }
    }
    return commands;
  };
  switch (state) {
    case 'absent': {
      if (prev === 'absent') return { changed: false, commands: [], key: 'path', reportPath: path, extra: { state: 'absent' } };
      return { changed: true, commands: [shellJoin(['rm', '-rf', '--', path])], key: 'path', reportPath: path, extra: { state: 'absent' } };
    }
    case 'file': {
      if (!target.exists) return failure(`file (${path}) is absent, cannot continue`, { path, state: 'absent' });
      const name = ansibleStateName(target);
      if (name !== 'file' && name !== 'hard') return failure(`file (${path}) is ${name}, cannot continue`, { path });
      const commands = attributes(target, targetPath);
      return { changed: commands.length > 0, commands, key: 'path', reportPath: targetPath, ...knownAfterChmod(target, facts.wanted, commands) };
    }
    case 'directory':
      return planDirectory(ctx, facts, target, targetPath, attributes);
    case 'touch': {
      if (!target.exists) {
        // A new file gets a mode without execute or special bits from the umask at once: no chmod, unless a
        // default ACL on its folder gave it another (checked in the stat that reads its state).
        const changes = attributeChanges({ ...target, exists: false }, facts.wanted, 0o644);
        if (changes.mode !== undefined && (changes.mode & ~0o666) === 0) {
          const times = mtime === 'now' && atime === 'now' ? [] : timeCommands(path, mtime, atime);
          const commands = [
            `umask ${formatMode(~changes.mode & 0o777)}`,
            createEmptyFile(path),
            ...attributeCommands(path, { ...changes, mode: undefined }),
            ...times,
          ];
          return { changed: true, commands, key: 'dest', reportPath: path, createdMode: { mode: changes.mode, levels: false } };
        }
      }
      const create = !target.exists ? [createEmptyFile(path)] : [];
      const subject = target.exists ? target : { ...target, exists: false };
      // touch has just set both times to now: set them again only when other times are wanted.
      const times = target.exists || (mtime === 'now' && atime === 'now') ? [] : timeCommands(path, mtime, atime);
      const commands = [...create, ...attributes(subject, targetPath), ...times];
      return { changed: commands.length > 0, commands, key: 'dest', reportPath: targetPath, ...knownAfterTouch(facts, target, facts.wanted) };
    }
    case 'link':
      return planLink(facts, prev, follow, force, attributes);
    default:
      return planHard(facts, prev, force, attributes);
  }
}

/**
 * Shell text creating the missing `path` empty, as `touch` does (0666 less the umask, both times now) but with
 * the shell's own redirection: no program started. Ansible's touch opens the file for writing the same way.
 */
function createEmptyFile(path: string): string {
  return `: >> ${shellQuote(path)}`;
}

/**
 * The state touch reports (path itself, lstat) of an existing `target` (path, or the file a followed link points
 * to) when its commands change no owner or group: times are not in it, so it is the one read before, with the
 * new mode where path itself is chmodded. No stat after the touch.
 */
function knownAfterTouch(facts: Facts, target: PathState, wanted: WantedAttributes): { known?: PathState } {
  if (!target.exists) return {};
  const changes = attributeChanges(target, wanted, target.type === 'directory' ? 0o755 : 0o644);
  // A chmod through a link path (follow=no) changes what it points to, not the lstat reported: read it back.
  if (changes.owner !== undefined || changes.group !== undefined || (target.type === 'link' && changes.mode !== undefined)) return {};
  return { known: target === facts.link && changes.mode !== undefined ? { ...facts.link, mode: changes.mode } : facts.link };
}

/** The state an existing path has after `commands` when they are one chmod: the same with the new mode. */
function knownAfterChmod(subject: PathState, wanted: WantedAttributes, commands: string[]): { known?: PathState } {
  const changes = attributeChanges(subject, wanted, subject.type === 'directory' ? 0o755 : 0o644);
  const modeOnly = changes.mode !== undefined && changes.owner === undefined && changes.group === undefined && commands.length === 1;
  return modeOnly ? { known: { ...subject, mode: changes.mode! } } : {};
}

type AttributeStep = (subject: PathState, where: string, noDereference?: boolean) => string[];

function planDirectory(ctx: ModuleContext, facts: Facts, target: PathState, targetPath: string, attributes: AttributeStep): Plan | ModuleResult {
  const { path } = facts;
  if (target.exists && target.type !== 'directory') return failure(`${path} already exists as a ${ansibleStateName(target)}`, { path });
  if (ctx.args['recurse']) {
    const recurse = recursiveAttributes(targetPath, facts.wanted);
    const create = target.exists ? [] : [shellJoin(['mkdir', '-p', '--', path])];
    // The folder itself first, as Ansible does: its changes are in the diff and decide `changed` in check mode.
    const own = target.exists ? attributes(target, targetPath) : [];
    return { changed: !target.exists || own.length > 0, commands: [...create, ...own], key: 'path', reportPath: targetPath, recurse };
  }
  if (target.exists) {
    const commands = attributes(target, targetPath);
    return { changed: commands.length > 0, commands, key: 'path', reportPath: targetPath, ...knownAfterChmod(target, facts.wanted, commands) };
  }
  // Every folder mkdir creates gets the mode and owner, as Ansible's file module gives them.
  const changes = attributeChanges({ ...target, exists: false }, facts.wanted, 0o755);
  if (changes.mode === undefined && facts.wanted.mode !== undefined) changes.mode = resolveMode(facts.wanted.mode, 0o755, true);
  const mkdir = shellJoin(['mkdir', '-p', '--', path]);
  const mode = changes.mode;
  // A mode with u+wx and no special bits, and no owner to set: the umask gives every folder mkdir -p creates
  // (parents get u+wx added, which the mode has) exactly that mode, without finding and chmod-ing each.
  // A default ACL on the folder wins over the umask: the stat of the result checks the mode, and on a mismatch
  // every level made ("$@") is chmod-ed.
  if (mode !== undefined && (mode & ~0o777) === 0 && (mode & 0o300) === 0o300 && changes.owner === undefined && changes.group === undefined) {
    const commands = [`umask ${formatMode(~mode & 0o777)}`, missingLevels(path), mkdir];
    return { changed: true, commands, key: 'path', reportPath: path, createdMode: { mode, levels: true } };
  }
  const perDirectory = attributeCommandsFor('"$pt_d"', changes);
  if (perDirectory.length === 0) return { changed: true, commands: [mkdir], key: 'path', reportPath: path };
  const commands = [missingLevels(path), mkdir, `for pt_d do ${perDirectory.join(' && ')} || exit 1; done`];
  return { changed: true, commands, key: 'path', reportPath: path };
}

/**
 * Shell text setting "$@" to the levels of `path` that are missing, outermost first: the folders `mkdir -p` is
 * about to make. A `.` or `..` level is left out, as Ansible's file skips it (it is there once its parent is).
 */
function missingLevels(path: string): string {
  const add = `case $pt_p in .|..|*/.|*/..) ;; *) set -- "$pt_p" "$@";; esac`;
  return `set -- ; pt_p=${shellQuote(path)}; while [ ! -e "$pt_p" ] && [ ! -L "$pt_p" ]; do ${add}; ${PARENT_OF_PT_P}; done`;
}

/**
 * Shell text setting $pt_p to its folder, as `dirname` prints it (trailing slashes dropped, `.` for a bare name, `/`
 * for the root), by parameter expansion alone: no program started for each missing level.
 */
const PARENT_OF_PT_P = `pt_p=\${pt_p%"\${pt_p##*[!/]}"}; case $pt_p in '') pt_p=/;; */*) pt_p=\${pt_p%/*}; pt_p=\${pt_p%"\${pt_p##*[!/]}"}; pt_p=\${pt_p:-/};; *) pt_p=.;; esac`;

/** chmod/chown -R with -c tell whether anything changed; find answers the same question in check mode. */
function recursiveAttributes(path: string, wanted: WantedAttributes): { check: string[]; apply: string[] } {
  const findPath = path.startsWith('-') ? `./${path}` : path;
  const check: string[] = [];
  const apply: string[] = [];
  if (wanted.owner) {
    check.push(shellJoin(['find', findPath, '!', '-user', wanted.owner, '-print', '-quit']));
    apply.push(shellJoin(['chown', '-R', '-c', '--', wanted.owner, path]));
  }
  if (wanted.group) {
    check.push(shellJoin(['find', findPath, '!', '-group', wanted.group, '-print', '-quit']));
    apply.push(shellJoin(['chgrp', '-R', '-c', '--', wanted.group, path]));
  }
  if (wanted.mode !== undefined && wanted.mode !== null) {
    const mode = typeof wanted.mode === 'number' || /^[0-7]+$/.test(String(wanted.mode)) ? formatMode(resolveMode(wanted.mode, 0, true)) : String(wanted.mode);
    check.push(shellJoin(['find', findPath, '!', '-perm', mode, '-print', '-quit']));
    apply.push(shellJoin(['chmod', '-R', '-c', '--', mode, path]));
  }
  return { check, apply };
}

function planLink(facts: Facts, prev: string, follow: boolean, force: boolean, attributes: AttributeStep): Plan | ModuleResult {
  const { path, link } = facts;
  const given = facts.givenSrc;
  const linkTo = given ?? (follow && link.type === 'link' ? link.linkTarget : undefined);
  if (given !== undefined && !force && !facts.source?.exists) {
    return failure(`src file does not exist, use "force=yes" if you really want to create the link: ${facts.absoluteSource}`, { path, src: given });
  }
  if (prev === 'directory') {
    if (!force) return failure(`refusing to convert from ${prev} to symlink for ${path}`, { path });
  } else if ((prev === 'file' || prev === 'hard') && !force) {
    return failure(`refusing to convert from ${prev} to symlink for ${path}`, { path });
  }
  if (prev !== 'link' && linkTo === undefined) return failure('src is required for creating new symlinks');
  const changed = prev !== 'link' || (linkTo !== undefined && link.linkTarget !== linkTo);
  if (prev === 'link' && changed) {
    facts.before['src'] = link.linkTarget;
    facts.after['src'] = linkTo;
  }
  const commands: string[] = [];
  if (changed) {
    // rmdir refuses a non-empty folder, as Ansible does; ln -sfn then swaps the link in place.
    if (prev === 'directory') commands.push(`${shellJoin(['rmdir', '--', path])} 2>/dev/null || exit ${NOT_EMPTY_EXIT}`);
    commands.push(shellJoin(['ln', '-sfn', '--', linkTo!, path]));
  }
  // A new or retargeted link: owner and group go on the link itself (follow=false) or on what it now points to.
  const subject = !changed ? (follow ? facts.followed : link) : follow ? (facts.source ?? { ...link, exists: false }) : { ...link, exists: false, type: 'link' as const };
  if (subject.exists || (changed && !follow)) commands.push(...attributes(subject, path, !follow));
  // Ansible warns whenever the link (made or kept) points at nothing and would be followed.
  const dangling = follow && !(changed ? facts.source?.exists : facts.followed.exists);
  const warnings = dangling ? { warnings: ['Cannot set fs attributes on a non-existent symlink target. follow should be set to False to avoid this.'] } : {};
  return { changed: commands.length > 0, commands, key: 'dest', reportPath: path, extra: { src: linkTo, ...warnings } };
}

function planHard(facts: Facts, prev: string, force: boolean, attributes: AttributeStep): Plan | ModuleResult {
  const { path, link } = facts;
  const src = facts.givenSrc;
  if (src === undefined) return failure('src is required for creating new hardlinks');
  const source = facts.source!;
  if (!source.exists) return failure('src does not exist', { dest: path, src });
  const same = link.exists && link.inode === source.inode && link.dev === source.dev;
  if (!same && link.exists && !force) {
    return failure(prev === 'hard' || prev === 'directory' ? 'Cannot link, different hard link exists at destination' : `Cannot link, ${prev} exists at destination`, { dest: path, src });
  }
  const commands = same ? [] : [...(prev === 'directory' ? [shellJoin(['rmdir', '--', path])] : []), shellJoin(['ln', '-f', '--', src, path])];
  commands.push(...attributes(same ? link : source, path));
  return { changed: commands.length > 0, commands, key: 'dest', reportPath: path, extra: { src } };
}
