import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path/posix';
import { ModuleError } from '../src/core/errors.js';
import { shellJoin, shellQuote } from '../src/core/shellQuote.js';
import { EXIT_ON_SIGNALS } from '../src/core/shellTraps.js';
import { withTrailer } from '../src/core/streamTrailer.js';
import type { Readable } from 'node:stream';
import type { ExecResult } from '../connections/connection.js';
import type { FileDiff, ModuleContext, ModuleResult } from './module.js';
import { MAX_DIFF_SIZE, absentState, backupName, formatMode, hashBuffer, hashLocalFile, parseStates, pathInfo, readPathStatesAndExistence, stateCall, statePrelude, type PathState } from './remoteFile.js';
import { attributeChanges, attributeCommands, hasChanges, type AttributeChanges } from './fileAttributes.js';
import { withProperties } from '../src/core/objectCopies.js';

/**
 * Writing one file's content to the target, shared by copy (content/src) and template: one command to
 * read the destination's state and sha1, then only if the content differs one put to a temporary name
 * and one command that validates, backs up, sets mode/owner/group, renames and reports the new state.
 */

export interface WriteRequest {
  dest: string;
  /** The bytes to write, or a controller file to stream (never loaded whole unless a diff is wanted). */
  data?: Buffer;
  file?: string;
  /** A file already on the target (copy remote_src). */
  remoteFile?: string;
  /** Name used when `dest` is a folder (the source's basename); none for `content`. */
  basename?: string;
  /** after_header of the diff and `src` of the result. */
  label: string;
  src?: string;
  mode?: unknown;
  /** The mode `mode: preserve` stands for (the source's). */
  preserveMode?: number;
  owner?: string;
  group?: string;
  backup?: boolean;
  force?: boolean;
  follow?: boolean;
  validate?: string;
  /**
   * The bytes come from the controller (copy content/src, template): as Ansible's copy action, check mode
   * answers a content change with `changed` (and the diff) alone, before the module would run.
   */
  fromController?: boolean;
}

export async function writeFileContent(ctx: ModuleContext, request: WriteRequest): Promise<ModuleResult> {
  const trailingSlash = request.dest.endsWith('/');
  if (trailingSlash && request.basename === undefined) {
    return { changed: false, failed: true, msg: 'can not use content with a dir as dest' };
  }
  const given = request.dest.replace(/(.)\/+$/, '$1');
  const inside = request.basename === undefined ? undefined : join(given, request.basename);
  const paths = [given, ...(inside ? [inside] : []), ...(request.remoteFile ? [request.remoteFile] : [])];
  // Of the parent folder only its existence matters: a test, not a stat.
  const { states, exists } = await readPathStatesAndExistence(ctx.target, paths, [dirname(given)], {
    follow: true,
    checksum: 'sha1',
    contentLimit: ctx.diff ? MAX_DIFF_SIZE : -1,
  });
  const remote = request.remoteFile ? states.pop()! : undefined;
  if (remote && remote.type !== 'file') return { changed: false, failed: true, msg: `Source ${request.remoteFile} not found` };
  const source = remote
    ? { checksum: remote.checksum!, md5: undefined, size: remote.size }
    : request.data
      ? { checksum: hashBuffer(request.data), md5: hashBuffer(request.data, 'md5'), size: request.data.length }
      : await hashLocalFile(request.file!);
  let dest = given;
  let current = states[0]!;
  if (inside && (trailingSlash || current.type === 'directory')) {
    dest = inside;
    current = states[1]!;
  } else if (current.type === 'directory') {
    return { changed: false, failed: true, msg: 'can not use content with a dir as dest', dest };
  }
  const parentExists = trailingSlash && inside ? states[0]!.exists : exists[0]!;
  if (current.linkTarget !== undefined && request.follow && current.realPath) dest = current.realPath;
  const base = { dest, ...(request.src ? { src: request.src } : {}) };
  if (current.exists && request.force === false) return { changed: false, msg: 'file already exists', ...base };

  const wanted = { mode: request.mode === 'preserve' ? request.preserveMode : request.mode, owner: request.owner, group: request.group };
  const changes = attributeChanges(current, wanted);
  const contentChanged = !current.exists || current.checksum !== source.checksum;
  const result: ModuleResult = { changed: contentChanged || hasChanges(changes), ...base, checksum: source.checksum };
  if (contentChanged && ctx.diff) result.diff = await contentDiff(request, current, dest, source.size, remote);
  if (!result.changed) return withProperties(withProperties(result, { path: dest }), pathInfo(current));
  if (ctx.check && contentChanged && request.fromController) return { changed: true, ...(result.diff ? { diff: result.diff } : {}) };
  if (ctx.check) return { ...result, ...pathInfo(current.exists ? current : { ...absentState(dest) }), size: source.size };

  if (!contentChanged) {
    const after = await applyAttributes(ctx, dest, changes);
    if (isFailure(after)) return { ...result, ...after };
    return withProperties(result, pathInfo(after));
  }
  if (!parentExists) {
    // Ansible's copy action adds the source checksum to what the module answers, and nothing else.
    if (!trailingSlash) return { changed: false, failed: true, msg: `Destination directory ${dirname(dest)} does not exist`, checksum: source.checksum };
    const created = await ctx.target.exec(shellJoin(['mkdir', '-p', '--', dirname(dest)]));
    if (created.rc !== 0) return { changed: false, failed: true, msg: created.stderr.toString().trim(), dest };
  }
  const installed = await installContent(ctx, withProperties(request, { dest, current, changes, remotePath: remote?.path }));
  if (isFailure(installed)) return { ...result, ...installed };
  const md5 = source.md5 ? { md5sum: source.md5 } : {};
  const done = withProperties(withProperties(result, md5), pathInfo(installed.state));
  return installed.backupFile ? withProperties(done, { backup_file: installed.backupFile }) : done;
}

export interface Installation {
  dest: string;
  /** dest's state as read before deciding. */
  current: PathState;
  data?: Buffer;
  file?: string;
  /** Copy this target file instead of sending bytes. */
  remotePath?: string;
  changes: AttributeChanges;
  backup?: boolean;
  validate?: string;
}

/**
 * Replace dest with new content in ONE command: its stdin streams the bytes into a temporary name beside
 * dest (mode 0600 until they are all there), then the same script validates, backs up, gives the file the
 * old (or wanted) mode and owner, renames it over dest and prints the new state. A failed stream stops the command before the rename (the
 * connections kill it rather than close its stdin), and the temporary file is removed.
 */
export async function installContent(ctx: ModuleContext, job: Installation): Promise<{ state: PathState; backupFile?: string } | ModuleResult> {
  const installed = await install(ctx, job, true);
  if (isFailure(installed)) return installed;
  return { state: installed.state!, ...(installed.backupFile ? { backupFile: installed.backupFile } : {}) };
}

/** installContent for a caller that does not need dest's new state: the script ends with the rename, no stat. */
export async function installContentUnread(ctx: ModuleContext, job: Installation): Promise<{ backupFile?: string } | ModuleResult> {
  return install(ctx, job, false);
}

async function install(ctx: ModuleContext, job: Installation, readBack: boolean): Promise<{ state?: PathState; backupFile?: string } | ModuleResult> {
  const { dest, current } = job;
  // Checked here, where the file is about to be written, as Ansible does: an unchanged file never needs it.
  if (job.validate && !job.validate.includes('%s')) throw new ModuleError(`validate must contain %s: ${job.validate}`);
  const suffix = randomBytes(4).toString('hex');
  const temporary = join(dirname(dest), `.${basename(dest)}.playtree-${suffix}`);
  let stdin: Buffer | Readable | undefined;
  const commands: string[] = [];
  let changes = job.changes;
  // chmod's arguments for the mode the content ends with, run once it is written (after chown, which clears
  // setuid bits); none when the wanted mode is set by attributeCommands or the file is created with it.
  let finalMode: string[] | undefined;
  if (job.remotePath) {
    // A copy of a file already in the tree: cp gives it at most that file's own rights, so it shows no
    // reader anything the source did not.
    commands.push(shellJoin(['cp', '--', job.remotePath, temporary]));
  } else {
    // The content may be a secret (copy content=, a template, a no_log task): the temporary file is created
    // 0600 and keeps that mode while the bytes arrive, whatever mode the file ends with. A final mode that
    // shows no more than that (0600, 0400) is given at creation by the umask: no chmod.
    const keptMode = current.exists && changes.mode === undefined ? current.mode : changes.mode;
    const createdMode = keptMode !== undefined && OWNER_ONLY_MODES.has(keptMode) ? keptMode : 0o600;
    if (keptMode === createdMode && changes.mode !== undefined) changes = { ...changes, mode: undefined };
    // A new file without a mode gets 0666 less the shell's umask (`=rw` leaves the umask's bits alone), as a
    // plain redirection gives it.
    if (keptMode === undefined) finalMode = ['=rw'];
    else if (keptMode !== createdMode && changes.mode === undefined) finalMode = ['--reference', shellQuote(dest)];
    const size = job.data ? job.data.length : await regularFileSize(job.file!);
    commands.push(...receiveContent(temporary, suffix, size, createdMode));
    const content = job.data ?? createReadStream(job.file!);
    const trailer = `${suffix}\n`;
    if (size === undefined) stdin = content;
    else stdin = Buffer.isBuffer(content) ? Buffer.concat([content, Buffer.from(trailer)]) : withTrailer(content, trailer);
  }
  const backupFile = job.backup && current.exists ? backupName(dest) : undefined;
  if (job.validate) commands.push(validateCommand(job.validate, temporary));
  if (backupFile) commands.push(shellJoin(['cp', '-p', '--', dest, backupFile]));
  if (current.exists) {
    // The rename replaces the file: keep its owner (and, for cp, its mode) unless asked otherwise, as Ansible
    // does. A file we create already has our owner: chown only when dest's differs.
    const reference = shellJoin(['chown', '--reference', dest, '--', temporary]);
    commands.push(job.remotePath ? reference : `{ [ -O ${shellQuote(dest)} ] && [ -G ${shellQuote(dest)} ]; } || ${reference}`);
    if (job.remotePath) commands.push(shellJoin(['chmod', '--reference', dest, '--', temporary]));
  }
  if (finalMode) commands.push(['chmod', ...finalMode, '--', shellQuote(temporary)].join(' '));
  commands.push(...attributeCommands(temporary, changes), shellJoin(['mv', '-f', '--', temporary, dest]));
  const after = await applyScript(ctx, commands, dest, { temporary, stdin, readBack });
  if (isFailure(after)) return after;
  return { ...after, ...(backupFile ? { backupFile } : {}) };
}

/** Set mode/owner/group on an existing path and read its new state: one round trip. */
export async function applyAttributes(ctx: ModuleContext, dest: string, changes: AttributeChanges): Promise<PathState | ModuleResult> {
  const applied = await applyScript(ctx, attributeCommands(dest, changes), dest, { readBack: true });
  return isFailure(applied) ? applied : applied.state!;
}

/** applyAttributes without reading the new state back: a failure, or undefined. */
export async function setAttributes(ctx: ModuleContext, dest: string, changes: AttributeChanges): Promise<ModuleResult | undefined> {
  const applied = await applyScript(ctx, attributeCommands(dest, changes), dest, { readBack: false });
  return isFailure(applied) ? applied : undefined;
}

const VALIDATE_FAILED = 97;

/** Final modes a content file can be created with while it fills: none shows a reader more than 0600, all let validate read it. */
const OWNER_ONLY_MODES = new Set([0o600, 0o400]);

/**
 * Shell text writing stdin's first `size` bytes to `temporary`, then checking that the line after them is
 * `suffix`. A plain `cat` also ends, with success, when playtree dies mid-stream (SIGKILL closes its end of
 * the pipe): only the whole content may be renamed over dest, never the part that arrived. `head -c` reads
 * exactly `size` bytes and the check is the shell's own `read`. A size unknown in advance (a FIFO as `src`) is
 * written with `cat`, unchecked. The file is created 0600, or 0400 when it ends so (the content may be a secret);
 * installContent gives it its final mode once complete.
 */
function receiveContent(temporary: string, suffix: string, size: number | undefined, createdMode: number): string[] {
  // One subshell both creates (createdMode, noclobber) and becomes the writer (`exec`): no process more than a
  // plain `cat`, and the umask stays the shell's for the `chmod =rw` that follows.
  const umask = formatMode(0o777 & ~createdMode);
  const write = (writer: string) => `(umask ${umask} && set -C && exec ${writer} > ${shellQuote(temporary)})`;
  if (size === undefined) return [write('cat')];
  return [
    write(`head -c ${size}`),
    `pt_end=; IFS= read -r pt_end || :; [ "$pt_end" = ${suffix} ] || { echo 'the content arrived incomplete' >&2; exit 1; }`,
  ];
}

/** The size of a regular file; undefined for a FIFO or device, whose size says nothing of what it sends. */
async function regularFileSize(path: string): Promise<number | undefined> {
  const info = await stat(path);
  return info.isFile() ? info.size : undefined;
}

export function isFailure<T extends object>(value: T | ModuleResult): value is ModuleResult {
  return 'failed' in value;
}

function validateCommand(validate: string, temporary: string): string {
  return `{ ${validate.replaceAll('%s', shellQuote(temporary))} ; } >&2 || exit ${VALIDATE_FAILED}`;
}

interface ScriptOptions {
  /** Removed if a command fails. */
  temporary?: string;
  /** Feeds the commands (the content a writer in them reads). */
  stdin?: Buffer | Readable;
  /** Print dest's state after the commands (a stat: only when the caller reports it). */
  readBack: boolean;
}

/** Run the commands (removing the temporary file if any fails), then print dest's state if asked: one round trip. */
async function applyScript(ctx: ModuleContext, commands: string[], dest: string, options: ScriptOptions): Promise<{ state?: PathState } | ModuleResult> {
  const { temporary, stdin, readBack } = options;
  // The trap is cleared once the rename is done: a successful write runs no rm.
  const cleanup = temporary ? `trap ${shellQuote(`rm -f -- ${shellQuote(temporary)}`)} EXIT; ${EXIT_ON_SIGNALS}\n` : '';
  const read = readBack ? `${statePrelude()}` : '';
  const script = `${read}${cleanup}set -e\n${commands.join('\n')}\nset +e\n${temporary ? 'trap - EXIT\n' : ''}${readBack ? stateCall(dest) : ''}`;
  let run: ExecResult;
  try {
    run = await ctx.target.exec(script, stdin === undefined ? {} : { stdin });
  } catch (error) {
    // The stream failed and the command was stopped before its trap could run: remove what it wrote.
    if (temporary) await ctx.target.exec(shellJoin(['rm', '-f', '--', temporary])).catch(() => undefined);
    throw error;
  }
  const stderr = run.stderr.toString().trim();
  if (run.rc === VALIDATE_FAILED) return { failed: true, changed: false, msg: 'failed to validate', exit_status: 1, stderr };
  if (run.rc !== 0) return { failed: true, changed: false, msg: `could not write ${dest}: ${stderr}`, rc: run.rc, stderr };
  return readBack ? { state: parseStates(run.stdout, [dest])[0]! } : {};
}

function isBinary(data: Buffer): boolean {
  return data.subarray(0, 8192).includes(0);
}

/** Ansible's copy/template diff; skipped (with Ansible's markers) for big or binary files. */
async function contentDiff(request: WriteRequest, current: PathState, dest: string, sourceSize: number, remote?: PathState): Promise<FileDiff> {
  // As Ansible's action: dest is named (before_header) only when its text was read.
  const diff: FileDiff & Record<string, unknown> = { before: '', after: '', after_header: request.label };
  if (current.exists) {
    if (!current.content) diff['dst_larger'] = MAX_DIFF_SIZE;
    else if (isBinary(current.content)) diff['dst_binary'] = 1;
    else Object.assign(diff, { before_header: dest, before: current.content.toString() });
  }
  if (sourceSize > MAX_DIFF_SIZE) diff['src_larger'] = MAX_DIFF_SIZE;
  else {
    const after = remote ? (remote.content ?? Buffer.alloc(0)) : (request.data ?? (await readFile(request.file!)));
    if (isBinary(after)) diff['src_binary'] = 1;
    else diff.after = after.toString();
  }
  return diff;
}
