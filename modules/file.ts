import { basename, dirname, join } from 'node:path/posix';
import { ModuleError } from '../src/core/errors.js';
import { shellJoin, shellQuote } from '../src/core/shellQuote.js';
import type { ModuleContext, ModuleDefinition, ModuleResult } from './module.js';
import { applyFileFlags } from './fileFlags.js';
import { parseWantedTime, timeCommands, timesChange, type WantedTime } from './fileTimes.js';
import {
  ansibleStateName,
  attributeChanges,
  attributeCommands,
  attributeCommandsFor,
  attributeDiff,
  formatMode,
  parseStates,
  pathInfo,
  resolveMode,
  stateCall,
  statePrelude,
  type PathState,
  type WantedAttributes,
} from './remoteFile.js';
import { expandTargetPaths } from './targetPaths.js';

/**
 * ansible.builtin.file: path (dest, name), state file/directory/touch/absent/link/hard (default: what is
 * there, else file), src, mode (octal or symbolic), owner, group, recurse, force, follow,
 * modification_time/access_time and their formats, attributes (lsattr/chattr flags). One command reads the path (as a link and followed)
 * and src; one command applies. Differs: diff before/after are Ansible's dicts; directories created by
 * `state: directory` get mode/owner on every new level, as Ansible does.
 */
export const fileModule: ModuleDefinition = {
  name: 'file',
  args: {
    path: { type: 'path', required: true, aliases: ['dest', 'name'] },
    state: { type: 'str', choices: ['absent', 'directory', 'file', 'hard', 'link', 'touch'] },
    src: { type: 'path' },
    mode: { type: 'raw' },
    owner: { type: 'str' },
    group: { type: 'str' },
    recurse: { type: 'bool', default: false },
    force: { type: 'bool', default: false },
    follow: { type: 'bool', default: true },
    modification_time: { type: 'str' },
    modification_time_format: { type: 'str', default: '%Y%m%d%H%M.%S' },
    access_time: { type: 'str' },
    access_time_format: { type: 'str', default: '%Y%m%d%H%M.%S' },
    unsafe_writes: { type: 'bool', default: false },
    // Ansible's action plugins ask with it whether a file looks binary (a NUL in its first 8 KiB).
    _diff_peek: { type: 'raw' },
    attributes: { type: 'str', aliases: ['attr'] },
  },
  run: runFile,
};

/** What a state handler decided: commands to run (none when nothing changes) and the result's keys. */
interface Plan {
  changed: boolean;
  commands: string[];
  /** Key naming the path in the result: Ansible says `dest` for touch/link/hard, `path` otherwise. */
  key: 'path' | 'dest';
  /** The path whose state ends the result (the link target when following). */
  reportPath: string;
  extra?: Record<string, unknown>;
  recurse?: { check: string[]; apply: string[] };
}

interface Facts {
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

async function runFile(ctx: ModuleContext): Promise<ModuleResult> {
  const a = ctx.args;
  await expandTargetPaths(ctx, ['path', 'src']);
  let path = a['path'] as string;
  const src = a['src'] as string | undefined;
  let facts = await readFacts(ctx, path, src, a['state'] as string | undefined);
  // As Ansible: a folder as path with src (and a state other than link or absent) means the file src names in it.
  if (src !== undefined && a['state'] !== 'link' && a['state'] !== 'absent' && facts.followed.type === 'directory') {
    path = join(path, basename(src));
    facts = await readFacts(ctx, path, src, a['state'] as string | undefined);
  }
  if (a['_diff_peek'] !== undefined && a['_diff_peek'] !== null) return diffPeek(ctx, facts);
  const prev = ansibleStateName(facts.link);
  let state = (a['state'] as string | undefined) ?? (prev !== 'absent' ? prev : a['recurse'] ? 'directory' : 'file');
  // A file with other hard links and no state: Ansible keeps state hard, with no src (so attributes only),
  // answering dest and src: null.
  const keptHardLink = state === 'hard' && a['state'] === undefined;
  if (keptHardLink) state = 'file';
  if (a['recurse'] && state !== 'directory') return withPathInfo(facts, failure(`recurse option requires state to be 'directory'`, { path }));
  if (src !== undefined && state !== 'link' && state !== 'hard') return withPathInfo(facts, failure(`src option requires state to be 'link' or 'hard'`, { path }));
  facts.before['path'] = path;
  facts.after['path'] = path;
  if (prev !== state && !keptHardLink) {
    facts.before['state'] = prev;
    facts.after['state'] = state;
  }
  if (state === 'absent' && prev === 'directory') facts.before['path_content'] = await directoryContent(ctx, path);
  const mtime = parseWantedTime(a['modification_time'] as string | undefined, a['modification_time_format'] as string, 'modification_time', state === 'touch' ? 'now' : 'preserve');
  const atime = parseWantedTime(a['access_time'] as string | undefined, a['access_time_format'] as string, 'access_time', state === 'touch' ? 'now' : 'preserve');
  const plan = planState(ctx, state, prev, facts, mtime, atime);
  if (isFailure(plan)) return withPathInfo(facts, plan);
  if (keptHardLink) Object.assign(plan, { key: 'dest', extra: { ...plan.extra, src: null } });
  await numericOwnersInDiff(ctx, facts.after);
  const result = await execute(ctx, plan, facts);
  const flags = a['attributes'] as string | undefined;
  if (flags === undefined || flags === null || state === 'absent' || (result['state'] === 'absent' && !ctx.check)) return result;
  const outcome = await applyFileFlags(ctx, plan.reportPath, flags);
  if (outcome.failure) return outcome.failure;
  if (!outcome.changed) return result;
  facts.before['attributes'] = outcome.before;
  facts.after['attributes'] = outcome.after;
  return { ...result, changed: true };
}

/** What a folder to remove holds, listed as Python's os.walk gives it (Ansible's diff path_content). */
async function directoryContent(ctx: ModuleContext, path: string): Promise<{ directories: string[]; files: string[] }> {
  const run = await ctx.target.exec(`${shellJoin(['find', path.startsWith('-') ? `./${path}` : path, '-mindepth', '1', '-printf', '%Y %p\\0'])} 2>/dev/null; true`);
  const children = new Map<string, { path: string; isDir: boolean }[]>();
  for (const record of run.stdout.toString().split('\0').filter(Boolean)) {
    const entry = { path: record.slice(2), isDir: record[0] === 'd' };
    const parent = dirname(entry.path);
    children.set(parent, [...(children.get(parent) ?? []), entry]);
  }
  const content = { directories: [] as string[], files: [] as string[] };
  const walk = (folder: string): void => {
    const entries = children.get(folder) ?? [];
    for (const entry of entries) (entry.isDir ? content.directories : content.files).push(entry.path);
    for (const entry of entries) if (entry.isDir) walk(entry.path);
  };
  walk(path.startsWith('-') ? `./${path}` : path.replace(/(.)\/+$/, '$1'));
  return content;
}

/** Ansible's diff shows a new owner or group as its number: names are looked up in the target's databases. */
async function numericOwnersInDiff(ctx: ModuleContext, after: Record<string, unknown>): Promise<void> {
  const named = (['owner', 'group'] as const).filter((key) => typeof after[key] === 'string');
  if (named.length === 0) return;
  // One line per name, empty when it is unknown.
  const lookups = named.map((key) => `printf '%s\\n' "$(${shellJoin(['getent', key === 'owner' ? 'passwd' : 'group', String(after[key])])} | cut -d: -f3 | head -n 1)"`);
  const run = await ctx.target.exec(lookups.join('; '));
  const ids = run.stdout.toString().split('\n');
  named.forEach((key, n) => {
    if (/^\d+$/.test(ids[n] ?? '')) after[key] = Number(ids[n]);
  });
}

async function diffPeek(ctx: ModuleContext, facts: Facts): Promise<ModuleResult> {
  const nulCount = await ctx.target.exec(`${shellJoin(['head', '-c', '8192', '--', facts.path])} 2>/dev/null | tr -dc '\\000' | wc -c`);
  const appearsBinary = Number(nulCount.stdout.toString().trim()) > 0;
  return withPathInfo(facts, { changed: false, path: facts.path, appears_binary: appearsBinary });
}

/** One command: the path as it is (lstat), the path followed, and src resolved as Ansible does. */
async function readFacts(ctx: ModuleContext, path: string, src: string | undefined, state: string | undefined): Promise<Facts> {
  const a = ctx.args;
  // A relative link src is relative to the link's folder (or to path itself when path is a real folder).
  const candidates = src === undefined || src.startsWith('/') ? (src === undefined ? [] : [src]) : state === 'hard' ? [src] : [join(dirname(path), src), join(path, src)];
  // Only a symlink needs a second record for the path followed: for anything else both are the same.
  const script = [
    statePrelude(),
    `if [ -L ${shellQuote(path)} ]; then printf L; ${stateCall(path)}; pt_L=-L; ${stateCall(path)}; else printf S; ${stateCall(path)}; pt_L=-L; fi`,
    ...candidates.map(stateCall),
  ].join('\n');
  const run = await ctx.target.exec(script);
  if (run.rc !== 0) throw new ModuleError(`could not read ${path}: ${run.stderr.toString().trim()}`);
  const isLink = run.stdout[0] === 0x4c; // 'L'
  const states = parseStates(run.stdout.subarray(1), isLink ? [path, path, ...candidates] : [path, ...candidates]);
  const linkState = states.shift()!;
  const followed = isLink ? states.shift()! : { ...linkState };
  const sources = states;
  const inside = candidates.length === 2 && linkState.type === 'directory';
  return {
    path,
    link: linkState!,
    followed: followed!,
    source: inside ? sources[1] : sources[0],
    givenSrc: src,
    absoluteSource: inside ? candidates[1] : candidates[0],
    wanted: { mode: a['mode'], owner: a['owner'] as string | undefined, group: a['group'] as string | undefined },
    before: {},
    after: {},
  };
}

function isFailure(value: Plan | ModuleResult): value is ModuleResult {
  return (value as ModuleResult).failed === true;
}

/** Ansible adds what is at `path` (owner, mode, state, size...) to a failure that names it. */
function withPathInfo(facts: Facts, result: ModuleResult): ModuleResult {
  if (result['path'] !== facts.path) return result;
  return facts.followed.exists ? { ...result, ...pathInfo(facts.link) } : result;
}

function failure(msg: string, extra: Record<string, unknown> = {}): ModuleResult {
  return { changed: false, failed: true, msg, ...extra };
}

function planState(ctx: ModuleContext, state: string, prev: string, facts: Facts, mtime: WantedTime, atime: WantedTime): Plan | ModuleResult {
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
      return { changed: commands.length > 0, commands, key: 'path', reportPath: targetPath };
    }
    case 'directory':
      return planDirectory(ctx, facts, target, targetPath, attributes);
    case 'touch': {
      if (!target.exists) {
        // A new file gets a mode without execute or special bits from the umask at once: no chmod.
        const changes = attributeChanges({ ...target, exists: false }, facts.wanted, 0o644);
        if (changes.mode !== undefined && (changes.mode & ~0o666) === 0) {
          const times = mtime === 'now' && atime === 'now' ? [] : timeCommands(path, mtime, atime);
          const commands = [
            `umask ${formatMode(~changes.mode & 0o777)}`,
            shellJoin(['touch', '--', path]),
            ...attributeCommands(path, { ...changes, mode: undefined }),
            ...times,
          ];
          return { changed: true, commands, key: 'dest', reportPath: path };
        }
      }
      const create = !target.exists ? [shellJoin(['touch', '--', path])] : [];
      const subject = target.exists ? target : { ...target, exists: false };
      // touch has just set both times to now: set them again only when other times are wanted.
      const times = target.exists || (mtime === 'now' && atime === 'now') ? [] : timeCommands(path, mtime, atime);
      const commands = [...create, ...attributes(subject, targetPath), ...times];
      return { changed: commands.length > 0, commands, key: 'dest', reportPath: targetPath };
    }
    case 'link':
      return planLink(facts, prev, follow, force, attributes);
    default:
      return planHard(facts, prev, force, attributes);
  }
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
    return { changed: commands.length > 0, commands, key: 'path', reportPath: targetPath };
  }
  // Every folder mkdir creates gets the mode and owner, as Ansible's file module gives them.
  const changes = attributeChanges({ ...target, exists: false }, facts.wanted, 0o755);
  if (changes.mode === undefined && facts.wanted.mode !== undefined) changes.mode = resolveMode(facts.wanted.mode, 0o755, true);
  const mkdir = shellJoin(['mkdir', '-p', '--', path]);
  const mode = changes.mode;
  // A mode with u+wx and no special bits, and no owner to set: the umask gives every folder mkdir -p creates
  // (parents get u+wx added, which the mode has) exactly that mode, without finding and chmod-ing each.
  if (mode !== undefined && (mode & ~0o777) === 0 && (mode & 0o300) === 0o300 && changes.owner === undefined && changes.group === undefined) {
    return { changed: true, commands: [`umask ${formatMode(~mode & 0o777)}`, mkdir], key: 'path', reportPath: path };
  }
  const perDirectory = attributeCommandsFor('"$pt_d"', changes);
  if (perDirectory.length === 0) return { changed: true, commands: [mkdir], key: 'path', reportPath: path };
  const commands = [
    `set -- ; pt_p=${shellQuote(path)}; while [ ! -e "$pt_p" ] && [ ! -L "$pt_p" ]; do set -- "$pt_p" "$@"; pt_p=$(dirname -- "$pt_p"); done`,
    mkdir,
    `for pt_d do ${perDirectory.join(' && ')} || exit 1; done`,
  ];
  return { changed: true, commands, key: 'path', reportPath: path };
}

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

async function execute(ctx: ModuleContext, plan: Plan, facts: Facts): Promise<ModuleResult> {
  // Ansible's file module returns its diff with or without --diff (tasks test it); only showing it needs --diff.
  const diff = { before: facts.before, after: facts.after } as unknown as ModuleResult['diff'];
  // file and directory name the path they worked on (a followed link's target); touch, link and hard name
  // path as given. Either is described as Ansible's add_path_info does: lstat, when it exists followed.
  const resultPath = plan.key === 'path' ? plan.reportPath : facts.path;
  const result: ModuleResult = { changed: plan.changed, [plan.key]: resultPath, ...(plan.extra ?? {}), diff };
  if (plan.extra?.['state'] === 'absent') {
    if (plan.commands.length && !ctx.check) {
      const removed = await runChecked(ctx, plan.commands.join(' && '), facts);
      if (!Buffer.isBuffer(removed)) return removed;
    }
    // In check mode the path is still there, and Ansible describes it (its state too).
    return ctx.check && facts.followed.exists ? { ...result, ...pathInfo(facts.link) } : result;
  }
  const recurse = plan.recurse ? (ctx.check ? plan.recurse.check : plan.recurse.apply) : [];
  if ((ctx.check && !recurse.length) || (!plan.commands.length && !recurse.length)) {
    // Ansible's touch of a missing file in check mode answers changed and dest alone.
    if (ctx.check && plan.key === 'dest' && !facts.link.exists && facts.after['state'] === 'touch') return { changed: true, dest: facts.path };
    const known = resultPath === facts.path ? facts.link : facts.followed;
    return facts.followed.exists ? { ...result, ...pathInfo(known) } : result;
  }
  const body = ctx.check ? [] : plan.commands;
  const detect = recurse.length ? `pt_out=$(${recurse.join(' && ')}) || exit 1\nif [ -n "$pt_out" ]; then printf 'R\\0'; else printf 'N\\0'; fi` : `printf 'N\\0'`;
  const exists = `if [ -e ${shellQuote(resultPath)} ]; then printf E; else printf D; fi`;
  const script = `${statePrelude()}${body.length ? `set -e\n${body.join('\n')}\nset +e\n` : ''}${detect}\n${exists}\n${stateCall(resultPath)}`;
  const output = await runChecked(ctx, script, facts);
  if (!Buffer.isBuffer(output)) return output;
  const marker = output.indexOf(0);
  if (output.subarray(0, marker).toString() === 'R') result.changed = true;
  const existsFollowed = output[marker + 1] === 0x45; // 'E'
  const after = parseStates(output.subarray(marker + 2), [resultPath])[0]!;
  return existsFollowed ? { ...result, ...pathInfo(after) } : result;
}

/** The exit status of the apply script when a folder to be replaced by a link is not empty. */
const NOT_EMPTY_EXIT = 39;

/** The script's output, or the failure Ansible reports when a folder to replace is not empty. */
async function runChecked(ctx: ModuleContext, script: string, facts: Facts): Promise<Buffer | ModuleResult> {
  const path = facts.path;
  const run = await ctx.target.exec(script);
  if (run.rc === NOT_EMPTY_EXIT) return withPathInfo(facts, failure(`the directory ${path} is not empty, refusing to convert it`, { path }));
  if (run.rc !== 0) throw new ModuleError(`file: could not change ${path}: ${run.stderr.toString().trim()}`, { path, rc: run.rc });
  return run.stdout;
}
