import { dirname } from 'node:path/posix';
import { ModuleError } from '../src/core/errors.js';
import { shellJoin, shellQuote } from '../src/core/shellQuote.js';
import type { FileDiff, ModuleContext, ModuleResult } from './module.js';
import { installContentUnread, isFailure, setAttributes } from './fileWriter.js';
import { absentState, parseStates, readPathStatesAndExistence, stateCall, statePrelude, type PathState } from './remoteFile.js';
import { treeStatesAndExistence } from './treeStates.js';
import { attributeChanges, attributeDiff, hasChanges, type AttributeChanges, type WantedAttributes } from './fileAttributes.js';

/**
 * The read-edit-write cycle of the modules that rewrite a text file in place (lineinfile, blockinfile, replace): one
 * command reads the file (following links) and its folder, the module computes the new text on the
 * controller, then one put and one command write it (validate, backup, keep owner and mode, rename).
 */

export interface TextFile {
  /** The path as given (used in messages and diff headers). */
  path: string;
  /** Where to write: the resolved path when `path` is a symlink. */
  dest: string;
  state: PathState;
  parentExists: boolean;
  text: string;
}

/**
 * Read the file; a folder is Ansible's rc 256 failure. Its mode and owner come from a stat only when `wanted`
 * (default: the task's mode, owner and group) asks for some: a plain regular file is otherwise read by `cat` alone
 * (its write keeps mode and owner from the file itself), and its state's mode is -1, unknown.
 */
export async function readTextFile(ctx: ModuleContext, path: string, wanted: WantedAttributes | 'all' = taskAttributes(ctx)): Promise<TextFile | ModuleResult> {
  const parent = dirname(path);
  // Of the folder only its existence matters: a shell test, not a stat.
  const read = wanted !== 'all' && !wantsAttributes(wanted) ? await readUnstated(ctx, path, parent) : await readPathStatesAndExistence(ctx.target, [path], [parent], TEXT_READ);
  const state = read.states[0]!;
  if (state.type === 'directory') return { changed: false, failed: true, rc: 256, msg: `Path ${path} is a directory !` };
  const dest = state.linkTarget !== undefined && state.realPath ? state.realPath : path;
  return { path, dest, state: { ...state, path: dest }, parentExists: read.exists[0]!, text: state.content?.toString() ?? '' };
}

/** Following links, every byte of a regular file. */
const TEXT_READ = { follow: true, contentLimit: Number.MAX_SAFE_INTEGER } as const;

function taskAttributes(ctx: ModuleContext): WantedAttributes {
  return { mode: ctx.args['mode'], owner: ctx.args['owner'] as string | undefined, group: ctx.args['group'] as string | undefined };
}

function wantsAttributes(wanted: WantedAttributes): boolean {
  return (wanted.mode !== undefined && wanted.mode !== null) || !!wanted.owner || !!wanted.group;
}

/**
 * readPathStatesAndExistence for one path and its folder, where a regular file that is no symlink is only `cat`:
 * no stat. Anything else (missing, a link, a folder, a device) gets its full state as before.
 */
async function readUnstated(ctx: ModuleContext, path: string, parent: string): Promise<{ states: PathState[]; exists: boolean[] }> {
  // Read from the controller, a stat costs nothing: the whole state then.
  const fromTree = ctx.target.files && treeStatesAndExistence(ctx.target.files, [path], [parent], TEXT_READ);
  if (fromTree) return fromTree;
  const quoted = shellQuote(path);
  const script = `if [ -e ${shellQuote(parent)} ]; then printf 1; else printf 0; fi
if [ -f ${quoted} ] && [ ! -L ${quoted} ]; then printf F; cat -- ${quoted}
else printf S
${statePrelude(TEXT_READ)}${stateCall(path)}
fi`;
  const result = await ctx.target.exec(script);
  const exists = [result.stdout[0] === 0x31];
  if (result.rc !== 0 || result.stdout.length < 2) throw new ModuleError(`could not read the state of ${path}, ${parent}: ${result.stderr.toString().trim()}`);
  if (result.stdout[1] !== 0x46) return { states: parseStates(result.stdout.subarray(2), [path]), exists }; // 'F'
  const content = result.stdout.subarray(2);
  return { states: [{ ...absentState(path), exists: true, type: 'file', mode: -1, size: content.length, content }], exists };
}

export interface AttributeOutcome {
  changes: AttributeChanges;
  changed: boolean;
  msg: string;
  /** Ansible's "(file attributes)" diff entry. */
  diff: FileDiff;
}

/** Ansible's check_file_attrs: mode/owner/group to change, and the message grown with " and ownership...". */
export function attributeOutcome(ctx: ModuleContext, file: TextFile, changed: boolean, msg: string): AttributeOutcome {
  const a = ctx.args;
  const changes = attributeChanges(file.state, { mode: a['mode'], owner: a['owner'] as string | undefined, group: a['group'] as string | undefined });
  const diff: Record<string, unknown> = { before_header: `${file.path} (file attributes)`, after_header: `${file.path} (file attributes)` };
  if (!hasChanges(changes)) return { changes, changed, msg, diff: diff as unknown as FileDiff };
  const before: Record<string, unknown> = {};
  const after: Record<string, unknown> = {};
  attributeDiff(file.state, changes, before, after);
  Object.assign(diff, { before, after });
  return { changes, changed: true, msg: `${msg}${changed ? ' and ' : ''}ownership, perms or SE linux context changed`, diff: diff as unknown as FileDiff };
}

/**
 * Write `text` (when `contentChanged`) and the attribute changes. Returns the backup file's name, or a
 * failed result in Ansible's words.
 */
export async function saveTextFile(
  ctx: ModuleContext,
  file: TextFile,
  text: string | undefined,
  changes: AttributeChanges,
  backup = ctx.args['backup'] as boolean | undefined,
): Promise<{ backupFile?: string } | ModuleResult> {
  if (text === undefined) {
    // The modules report no path info: the new state is not read back.
    return (await setAttributes(ctx, file.dest, changes)) ?? {};
  }
  if (!file.state.exists && !file.parentExists) {
    const made = await ctx.target.exec(shellJoin(['mkdir', '-p', '--', dirname(file.dest)]));
    if (made.rc !== 0) return { changed: false, failed: true, msg: `Error creating ${dirname(file.dest)} (${made.stderr.toString().trim()})` };
  }
  const installed = await installContentUnread(ctx, {
    dest: file.dest,
    current: file.state.exists ? file.state : absentState(file.dest),
    data: Buffer.from(text),
    changes,
    backup: backup ?? false,
    validate: ctx.args['validate'] as string | undefined,
  });
  if (!isFailure(installed)) return installed.backupFile ? { backupFile: installed.backupFile } : {};
  if (installed.msg !== 'failed to validate') return installed;
  // lineinfile, blockinfile and replace fail a validation with the message alone.
  return { changed: false, failed: true, msg: `failed to validate: rc:1 error:${String(installed['stderr'] ?? '')}` };
}

/** Python's splitlines(True) on file content: lines keep their \n, \r\n or \r. */
export function splitKeepingEnds(text: string): string[] {
  return text.match(/[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$/g) ?? [];
}

export interface Rewrite {
  path: string;
  /** The new text from the current one ('' and exists=false for a missing file); the same text: no change. */
  edit(text: string, exists: boolean): string;
  /**
   * mode/owner/group the file must have (a created file gets them too); default: the task's own. A function
   * decides from whether the content changes (authorized_key sets them only when it writes).
   */
  wanted?: WantedAttributes | ((contentChanged: boolean) => WantedAttributes);
  /** Run just before writing (not in check mode): e.g. make the folder with its owner and mode. */
  beforeWrite?: () => Promise<ModuleResult | undefined>;
  /** Diff headers (default: the path). */
  header?: string;
  /** Fail with this message instead of creating a missing parent folder. */
  missingParent?: string;
  /** Override the task's `backup` (cron keeps its own backup elsewhere). */
  backup?: boolean;
}

export interface RewriteOutcome {
  /** Content or attributes changed (or would, in check mode). */
  changed: boolean;
  contentChanged: boolean;
  before: string;
  after: string;
  existed: boolean;
  /** Ansible's content diff, when the run asks for diffs. */
  diff?: FileDiff;
  backupFile?: string;
  /** A failed result in Ansible's words (validate, write errors). */
  failure?: ModuleResult;
}

/**
 * The whole cycle for the config-file modules (ini_file, sysctl, mount, cron, authorized_key...): read the file,
 * let `edit` compute the new text, then (unless in check mode) write it keeping owner and mode, with the task's
 * `backup` and `validate`. A missing file whose edit yields '' stays missing.
 */
export async function rewriteTextFile(ctx: ModuleContext, rewrite: Rewrite): Promise<RewriteOutcome> {
  // A function may want attributes after the read: the read states them.
  const file = await readTextFile(ctx, rewrite.path, typeof rewrite.wanted === 'function' ? 'all' : (rewrite.wanted ?? taskAttributes(ctx)));
  if (isFailure(file)) return { changed: false, contentChanged: false, before: '', after: '', existed: false, failure: file };
  const existed = file.state.exists;
  const before = existed ? file.text : '';
  const after = rewrite.edit(before, existed);
  const contentChanged = existed ? after !== before : after !== '';
  const given = typeof rewrite.wanted === 'function' ? rewrite.wanted(contentChanged) : rewrite.wanted;
  const wanted = given ?? taskAttributes(ctx);
  const changes = existed || contentChanged ? attributeChanges(file.state, wanted) : {};
  const header = rewrite.header ?? rewrite.path;
  const outcome: RewriteOutcome = { changed: contentChanged || hasChanges(changes), contentChanged, before, after, existed };
  if (ctx.diff) outcome.diff = { before, after, before_header: header, after_header: header };
  if (ctx.check || !outcome.changed) return outcome;
  if (!existed && !file.parentExists && rewrite.missingParent) return { ...outcome, failure: { changed: false, failed: true, msg: rewrite.missingParent } };
  const prepared = await rewrite.beforeWrite?.();
  if (prepared) return { ...outcome, failure: prepared };
  const saved = await saveTextFile(ctx, file, contentChanged ? after : undefined, changes, rewrite.backup);
  if (isFailure(saved)) return { ...outcome, failure: saved };
  return saved.backupFile ? { ...outcome, backupFile: saved.backupFile } : outcome;
}
