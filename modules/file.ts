import { basename, dirname, join } from 'node:path/posix';
import { ModuleError } from '../src/core/errors.js';
import { shellJoin, shellQuote } from '../src/core/shellQuote.js';
import type { ModuleContext, ModuleDefinition, ModuleResult } from './module.js';
import { applyFileFlags } from './fileFlags.js';
import { parseWantedTime } from './fileTimes.js';
import { absentState, ansibleStateName, parseStates, stateCall, stateCallAgain, statePrelude, type PathState } from './remoteFile.js';
import { expandTargetPaths } from './targetPaths.js';
import { treeStatesAndExistence } from './treeStates.js';
import { failure, isFailure, planState, withPathInfo, type Facts, type Plan } from './filePlans.js';
import { attributeCommands, resolveMode } from './fileAttributes.js';
import { applyOutcome, applyPlan, applyScript, runChecked, runPlan } from './fileApply.js';

/**
 * ansible.builtin.file: path (dest, name), state file/directory/touch/absent/link/hard (default: what is
 * there, else file), src, mode (octal or symbolic), owner, group, recurse, force, follow,
 * modification_time/access_time and their formats, attributes (lsattr/chattr flags). One command reads the path (as a link and followed)
 * and src; one command applies (one command in all for a missing folder or touched file, and for an octal
 * mode on a regular file: see createsAtOnce and modeAtOnce). Differs: diff before/after are Ansible's dicts; directories created by
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
  const early = createsAtOnce(ctx) ? await readOrCreate(ctx, path) : undefined;
  if (early?.result) return early.result;
  const chmodWanted = early ? undefined : modeAtOnce(ctx);
  const chmodded = chmodWanted === undefined ? undefined : await readOrChmod(ctx, path, chmodWanted);
  let facts = early?.facts ?? chmodded?.facts ?? (await readFacts(ctx, path, src, a['state'] as string | undefined));
  // As Ansible: a folder as path with src (and a state other than link or absent) means the file src names in it.
  if (src !== undefined && a['state'] !== 'link' && a['state'] !== 'absent' && facts.followed.type === 'directory') {
    path = join(path, basename(src));
    facts = await readFacts(ctx, path, src, a['state'] as string | undefined);
  }
  if (a['_diff_peek'] !== undefined && a['_diff_peek'] !== null) return diffPeek(ctx, facts);
  const plan = await planFile(ctx, path, facts);
  if (isFailure(plan)) return plan;
  await numericOwnersInDiff(ctx, facts.after);
  const result = await applyPlan(ctx, plan, facts, chmodded?.applied ?? false);
  const flags = a['attributes'] as string | undefined;
  if (flags === undefined || flags === null || plan.state === 'absent' || (result['state'] === 'absent' && !ctx.check)) return result;
  const outcome = await applyFileFlags(ctx, plan.reportPath, flags);
  if (outcome.failure) return outcome.failure;
  if (!outcome.changed) return result;
  facts.before['attributes'] = outcome.before;
  facts.after['attributes'] = outcome.after;
  return { ...result, changed: true };
}

/** The state to reach and the plan reaching it from the facts read, or the failure Ansible reports. */
async function planFile(ctx: ModuleContext, path: string, facts: Facts): Promise<(Plan & { state: string }) | ModuleResult> {
  const a = ctx.args;
  const src = a['src'] as string | undefined;
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
  return { ...plan, state };
}

/**
 * A new folder or touched file: when path is missing (not even a dangling link), what to do is known before
 * reading it. Then one command creates it if it is still missing, and otherwise reads the facts as readFacts
 * does. Only where nothing else needs a round trip (no src, owner or group names, attributes, recurse).
 */
function createsAtOnce(ctx: ModuleContext): boolean {
  const a = ctx.args;
  const unset = (key: string) => a[key] === undefined || a[key] === null;
  return !ctx.check && (a['state'] === 'directory' || a['state'] === 'touch') && !a['recurse'] && ['src', 'owner', 'group', 'attributes', '_diff_peek'].every(unset);
}

async function readOrCreate(ctx: ModuleContext, path: string): Promise<{ result?: ModuleResult; facts?: Facts }> {
  const known = treeFacts(ctx, path, [], undefined);
  if (known?.link.exists) return { facts: known };
  const facts = factsOf(ctx, path, absentState(path), absentState(path), [], undefined);
  const plan = await planFile(ctx, path, facts);
  if (isFailure(plan) || !plan.commands.length) return {};
  if (known) {
    // Read from the controller: missing, so the command only creates it.
    return { result: await runPlan(ctx, plan, facts) };
  }
  const read = readFactsScript(path, []);
  const script = `if [ ! -e ${shellQuote(path)} ] && [ ! -L ${shellQuote(path)} ]; then printf W\n${applyScript(ctx, plan, facts)}\nelse\n${read}\nfi`;
  const output = await runChecked(ctx, script, facts);
  if (!Buffer.isBuffer(output)) return { result: output };
  if (output[0] === 0x57) return { result: applyOutcome(plan, facts, output.subarray(1)) }; // 'W'
  return { facts: parseFacts(ctx, path, [], undefined, output) };
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
  // getent's entry for each name (none when it is unknown), each ended by a NUL; its id is read here, not by cut.
  const lookups = named.map((key) => `${shellJoin(['getent', key === 'owner' ? 'passwd' : 'group', String(after[key])])} 2>/dev/null; printf '\\0'`);
  const run = await ctx.target.exec(lookups.join('; '));
  const entries = run.stdout.toString().split('\0');
  named.forEach((key, n) => {
    const id = (entries[n] ?? '').split('\n')[0]!.split(':')[2] ?? '';
    if (/^\d+$/.test(id)) after[key] = Number(id);
  });
}

async function diffPeek(ctx: ModuleContext, facts: Facts): Promise<ModuleResult> {
  const nulCount = await ctx.target.exec(`${shellJoin(['head', '-c', '8192', '--', facts.path])} 2>/dev/null | tr -dc '\\000' | wc -c`);
  const appearsBinary = Number(nulCount.stdout.toString().trim()) > 0;
  return withPathInfo(facts, { changed: false, path: facts.path, appears_binary: appearsBinary });
}

/**
 * An octal mode for a path that is there: when it is a regular file (not a link), what to do is known from its
 * mode alone (a chmod when it differs), so one command reads it and runs that chmod. Only without state (or
 * state=file) and without anything else to change: the octal mode wanted, else undefined.
 */
function modeAtOnce(ctx: ModuleContext): number | undefined {
  const a = ctx.args;
  const mode = a['mode'];
  const octal = typeof mode === 'number' || (typeof mode === 'string' && /^(0o)?[0-7]+$/i.test(mode.trim()));
  const unset = (key: string) => a[key] === undefined || a[key] === null;
  const others = ['src', 'owner', 'group', 'attributes', '_diff_peek', 'modification_time', 'access_time'].every(unset);
  if (ctx.check || !octal || !others || a['recurse'] || !(unset('state') || a['state'] === 'file')) return undefined;
  try {
    return resolveMode(mode, 0, false);
  } catch {
    return undefined;
  }
}

/** readFacts, and in the same command the chmod of a regular file whose mode is not `mode` (see modeAtOnce). */
async function readOrChmod(ctx: ModuleContext, path: string, mode: number): Promise<{ facts: Facts; applied: boolean }> {
  const chmod = attributeCommands(path, { mode }).join(' && ');
  const known = treeFacts(ctx, path, [], undefined);
  if (known) {
    // Read from the controller: the command is the chmod alone, and only when the mode differs.
    if (known.link.type !== 'file' || known.link.mode === mode) return { facts: known, applied: false };
    const run = await ctx.target.exec(chmod);
    if (run.rc !== 0) throw new ModuleError(`file: could not change ${path}: ${run.stderr.toString().trim()}`, { path, rc: run.rc });
    return { facts: known, applied: true };
  }
  const script = `pt_keep=1\n${readFactsScript(path, [])}
if [ -n "$pt_st" ] && [ -f ${shellQuote(path)} ] && [ ! -L ${shellQuote(path)} ]; then set -f; set -- $pt_st; set +f; if [ $((0x$1 & 4095)) -ne ${mode} ]; then ${chmod} || exit 1; printf M; fi; fi`;
  const run = await ctx.target.exec(script);
  if (run.rc !== 0) throw new ModuleError(`file: could not change ${path}: ${run.stderr.toString().trim()}`, { path, rc: run.rc });
  return { facts: parseFacts(ctx, path, [], undefined, run.stdout), applied: run.stdout[run.stdout.length - 1] === 0x4d }; // 'M'
}

/** One command: the path as it is (lstat), the path followed, and src resolved as Ansible does. */
async function readFacts(ctx: ModuleContext, path: string, src: string | undefined, state: string | undefined): Promise<Facts> {
  // A relative link src is relative to the link's folder (or to path itself when path is a real folder).
  const candidates = src === undefined || src.startsWith('/') ? (src === undefined ? [] : [src]) : state === 'hard' ? [src] : [join(dirname(path), src), join(path, src)];
  const known = treeFacts(ctx, path, candidates, src);
  if (known) return known;
  const run = await ctx.target.exec(readFactsScript(path, candidates));
  if (run.rc !== 0) throw new ModuleError(`could not read ${path}: ${run.stderr.toString().trim()}`);
  return parseFacts(ctx, path, candidates, src, run.stdout);
}

/** readFacts from the controller (treeStates.ts), or undefined: a symlink as path or src is read by the command. */
function treeFacts(ctx: ModuleContext, path: string, candidates: readonly string[], src: string | undefined): Facts | undefined {
  const read = ctx.target.files && treeStatesAndExistence(ctx.target.files, [path, ...candidates], []);
  if (!read) return undefined;
  const [link, ...sources] = read.states;
  return factsOf(ctx, path, link!, { ...link! }, sources, src, candidates);
}

function readFactsScript(path: string, candidates: readonly string[]): string {
  // Only a symlink needs a second record for the path followed: for anything else both are the same.
  return [
    statePrelude(),
    `if [ -L ${shellQuote(path)} ]; then printf L; ${stateCall(path)}; pt_L=-L; ${stateCallAgain(path)}; else printf S; ${stateCall(path)}; pt_L=-L; fi`,
    ...candidates.map(stateCall),
  ].join('\n');
}

function parseFacts(ctx: ModuleContext, path: string, candidates: readonly string[], src: string | undefined, stdout: Buffer): Facts {
  const isLink = stdout[0] === 0x4c; // 'L'
  const states = parseStates(stdout.subarray(1), isLink ? [path, path, ...candidates] : [path, ...candidates]);
  const linkState = states.shift()!;
  const followed = isLink ? states.shift()! : { ...linkState };
  return factsOf(ctx, path, linkState, followed, states, src, candidates);
}

function factsOf(ctx: ModuleContext, path: string, link: PathState, followed: PathState, sources: PathState[], src: string | undefined, candidates: readonly string[] = []): Facts {
  const a = ctx.args;
  const inside = candidates.length === 2 && link.type === 'directory';
  return {
    path,
    link,
    followed,
    source: inside ? sources[1] : sources[0],
    givenSrc: src,
    absoluteSource: inside ? candidates[1] : candidates[0],
    wanted: { mode: a['mode'], owner: a['owner'] as string | undefined, group: a['group'] as string | undefined },
    before: {},
    after: {},
  };
}
