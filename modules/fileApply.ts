import { ModuleError } from '../src/core/errors.js';
import { shellQuote } from '../src/core/shellQuote.js';
import type { ModuleContext, ModuleResult } from './module.js';
import { basename, dirname } from 'node:path/posix';
import { TreeFilesUnanswered, type TreeFiles } from '../connections/treeFiles.js';
import { createdState } from './createdState.js';
import { keepStateWithMode, parseStates, pathInfo, printKeptState, stateCallUnlinked, statePrelude } from './remoteFile.js';
import { failure, NOT_EMPTY_EXIT, withPathInfo, type Facts, type Plan } from './filePlans.js';

/*
 * How ansible.builtin.file carries out its plan (filePlans.ts): one command applying it that also reads the
 * path's new state (unless the plan already knows it), and the result Ansible reports from that.
 */

/** `applied`: readOrChmod already ran the plan's one chmod. */
export async function applyPlan(ctx: ModuleContext, plan: Plan, facts: Facts, applied: boolean): Promise<ModuleResult> {
  const resultPath = reportedPath(plan, facts);
  const result = baseResult(plan, facts);
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
  if (applied) {
    if (!plan.known || plan.commands.length !== 1) throw new ModuleError(`file: ${facts.path} was given a mode its plan does not set (a playtree bug)`);
    return { ...result, ...pathInfo(plan.known) };
  }
  return runPlan(ctx, plan, facts);
}

/**
 * Run the plan's command and report. A path it creates (createdMode) is read from the controller when the
 * target's files can be (no stat in the command), its mode checked there and set by a second command only
 * where a default ACL gave it another.
 */
export async function runPlan(ctx: ModuleContext, plan: Plan, facts: Facts): Promise<ModuleResult> {
  const created = plan.createdMode;
  const files = created && !ctx.check ? ctx.target.files : undefined;
  const levels = files && (created!.levels ? missingLevels(files, plan.reportPath) : [plan.reportPath]);
  const output = await runChecked(ctx, applyScript(ctx, plan, facts, levels !== undefined), facts);
  if (!Buffer.isBuffer(output)) return output;
  if (!levels) return applyOutcome(plan, facts, output);
  const known = await createdState(ctx.target, plan.reportPath, created!.mode, levels);
  return applyOutcome({ ...plan, known }, facts, output);
}

/**
 * The levels of `path` that do not exist yet, as missingLevels (filePlans.ts) lists them in the command; undefined
 * when the controller cannot tell (the command then checks the mode itself).
 */
function missingLevels(files: TreeFiles, path: string): string[] | undefined {
  const levels: string[] = [];
  try {
    for (let level = path.replace(/(.)\/+$/, '$1'); files.stat(level, false) === undefined; level = dirname(level)) {
      if (!['.', '..'].includes(basename(level))) levels.push(level);
      if (level === dirname(level)) break;
    }
  } catch (error) {
    if (error instanceof TreeFilesUnanswered) return undefined;
    throw error;
  }
  return levels;
}

/**
 * file and directory name the path they worked on (a followed link's target); touch, link and hard name
 * path as given. Either is described as Ansible's add_path_info does: lstat, when it exists followed.
 */
function reportedPath(plan: Plan, facts: Facts): string {
  return plan.key === 'path' ? plan.reportPath : facts.path;
}

function baseResult(plan: Plan, facts: Facts): ModuleResult {
  // Ansible's file module returns its diff with or without --diff (tasks test it); only showing it needs --diff.
  const diff = { before: facts.before, after: facts.after } as unknown as ModuleResult['diff'];
  return { changed: plan.changed, [plan.key]: reportedPath(plan, facts), ...(plan.extra ?? {}), diff };
}

/** The command applying a plan: its commands, whether a recursive change did anything, and the path's new state. */
export function applyScript(ctx: ModuleContext, plan: Plan, facts: Facts, readByController = false): string {
  const recurse = plan.recurse ? (ctx.check ? plan.recurse.check : plan.recurse.apply) : [];
  const created = plan.createdMode;
  const keep = created && !readByController ? keepStateWithMode(plan.reportPath, created.mode, created.levels ? '"$@"' : '') : [];
  const body = ctx.check ? [] : [...plan.commands, ...keep];
  const detect = recurse.length ? `pt_out=$(${recurse.join(' && ')}) || exit 1\nif [ -n "$pt_out" ]; then printf 'R\\0'; else printf 'N\\0'; fi` : `printf 'N\\0'`;
  const reported = reportedPath(plan, facts);
  const exists = `if [ -e ${shellQuote(reported)} ]; then printf E; else printf D; fi`;
  const read = plan.known || readByController ? ['', ''] : created ? ['', printKeptState()] : [statePrelude(), stateCallUnlinked(reported)];
  return `${read[0]}${body.length ? `set -e\n${body.join('\n')}\nset +e\n` : ''}${detect}\n${exists}\n${read[1]}`;
}

export function applyOutcome(plan: Plan, facts: Facts, output: Buffer): ModuleResult {
  const resultPath = reportedPath(plan, facts);
  const result = baseResult(plan, facts);
  const marker = output.indexOf(0);
  if (output.subarray(0, marker).toString() === 'R') result.changed = true;
  const existsFollowed = output[marker + 1] === 0x45; // 'E'
  const after = plan.known ?? parseStates(output.subarray(marker + 2), [resultPath])[0]!;
  return existsFollowed ? { ...result, ...pathInfo(after) } : result;
}

/** The script's output, or the failure Ansible reports when a folder to replace is not empty. */
export async function runChecked(ctx: ModuleContext, script: string, facts: Facts): Promise<Buffer | ModuleResult> {
  const path = facts.path;
  const run = await ctx.target.exec(script);
  if (run.rc === NOT_EMPTY_EXIT) return withPathInfo(facts, failure(`the directory ${path} is not empty, refusing to convert it`, { path }));
  if (run.rc !== 0) throw new ModuleError(`file: could not change ${path}: ${run.stderr.toString().trim()}`, { path, rc: run.rc });
  return run.stdout;
}
