import { basename, dirname, join } from 'node:path/posix';
import { ModuleError } from '../src/core/errors.js';
import { shellJoin, shellQuote } from '../src/core/shellQuote.js';
import type { ModuleContext, ModuleDefinition, ModuleResult } from './module.js';
import { applyFileFlags } from './fileFlags.js';
import { parseWantedTime } from './fileTimes.js';
import { ansibleStateName, parseStates, pathInfo, stateCall, stateCallAgain, statePrelude } from './remoteFile.js';
import { expandTargetPaths } from './targetPaths.js';
import { failure, isFailure, NOT_EMPTY_EXIT, planState, withPathInfo, type Facts, type Plan } from './filePlans.js';

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
    `if [ -L ${shellQuote(path)} ]; then printf L; ${stateCall(path)}; pt_L=-L; ${stateCallAgain(path)}; else printf S; ${stateCall(path)}; pt_L=-L; fi`,
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


/** The script's output, or the failure Ansible reports when a folder to replace is not empty. */
async function runChecked(ctx: ModuleContext, script: string, facts: Facts): Promise<Buffer | ModuleResult> {
  const path = facts.path;
  const run = await ctx.target.exec(script);
  if (run.rc === NOT_EMPTY_EXIT) return withPathInfo(facts, failure(`the directory ${path} is not empty, refusing to convert it`, { path }));
  if (run.rc !== 0) throw new ModuleError(`file: could not change ${path}: ${run.stderr.toString().trim()}`, { path, rc: run.rc });
  return run.stdout;
}
