import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path/posix';
import type { Readable } from 'node:stream';
import { ModuleError } from '../src/core/errors.js';
import { shellJoin, shellQuote } from '../src/core/shellQuote.js';
import { EXIT_ON_SIGNALS } from '../src/core/shellTraps.js';
import { withTrailer } from '../src/core/streamTrailer.js';
import type { ExecResult } from '../connections/connection.js';
import type { ModuleContext, ModuleResult } from './module.js';
import { backupName, formatMode, parseStates, stateCall, statePrelude, type PathState } from './remoteFile.js';
import { attributeCommands, type AttributeChanges } from './fileAttributes.js';

/*
 * The one command that installs new content as dest (fileWriter.ts decides when): the bytes stream into
 * a private temporary file beside dest, which is validated, backed up, given its mode and owner, and
 * renamed over dest; a trap removes it if anything fails.
 */

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


export async function install(ctx: ModuleContext, job: Installation, readBack: boolean): Promise<{ state?: PathState; backupFile?: string } | ModuleResult> {
  const prepared = await prepareInstall(job, readBack);
  const outcome = installOutcome(await runInstall(ctx, prepared, installScript(prepared)), prepared);
  if (isFailure(outcome)) return outcome;
  return { ...outcome, ...(prepared.backupFile ? { backupFile: prepared.backupFile } : {}) };
}

/** An installation's commands, ready to run: see installScript. */
interface PreparedInstall extends ScriptOptions {
  dest: string;
  commands: string[];
  backupFile?: string;
}

/** `suffix` names the temporary file and ends the content on stdin: scripts sharing one stdin share it. */
export async function prepareInstall(job: Installation, readBack: boolean, suffix = randomBytes(4).toString('hex')): Promise<PreparedInstall> {
  const { dest, current } = job;
  // Checked here, where the file is about to be written, as Ansible does: an unchanged file never needs it.
  if (job.validate && !job.validate.includes('%s')) throw new ModuleError(`validate must contain %s: ${job.validate}`);
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
  return { dest, commands, temporary, stdin, readBack, ...(backupFile ? { backupFile } : {}) };
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
export async function applyScript(ctx: ModuleContext, commands: string[], dest: string, options: ScriptOptions): Promise<{ state?: PathState } | ModuleResult> {
  const prepared = { ...options, dest, commands };
  return installOutcome(await runInstall(ctx, prepared, installScript(prepared)), prepared);
}

/** The script of applyScript: the commands under `set -e` and a trap removing the temporary file. */
export function installScript(prepared: ScriptOptions & { dest: string; commands: string[] }): string {
  const { temporary, readBack, dest, commands } = prepared;
  // The trap is cleared once the rename is done: a successful write runs no rm.
  const cleanup = temporary ? `trap ${shellQuote(`rm -f -- ${shellQuote(temporary)}`)} EXIT; ${EXIT_ON_SIGNALS}\n` : '';
  const read = readBack ? `${statePrelude()}` : '';
  return `${read}${cleanup}set -e\n${commands.join('\n')}\nset +e\n${temporary ? 'trap - EXIT\n' : ''}${readBack ? stateCall(dest) : ''}`;
}

/** Run `script` (installScript, maybe inside a larger one) with the content as its stdin. */
export async function runInstall(ctx: ModuleContext, prepared: ScriptOptions, script: string): Promise<ExecResult> {
  const { temporary, stdin } = prepared;
  try {
    return await ctx.target.exec(script, stdin === undefined ? {} : { stdin });
  } catch (error) {
    // The stream failed and the command was stopped before its trap could run: remove what it wrote.
    if (temporary) await ctx.target.exec(shellJoin(['rm', '-f', '--', temporary])).catch(() => undefined);
    throw error;
  }
}

/** What an installScript's run means: dest's new state (when read back), or the failure to report. */
export function installOutcome(run: ExecResult, prepared: ScriptOptions & { dest: string }): { state?: PathState } | ModuleResult {
  const stderr = run.stderr.toString().trim();
  if (run.rc === VALIDATE_FAILED) return { failed: true, changed: false, msg: 'failed to validate', exit_status: 1, stderr };
  if (run.rc !== 0) return { failed: true, changed: false, msg: `could not write ${prepared.dest}: ${stderr}`, rc: run.rc, stderr };
  return prepared.readBack ? { state: parseStates(run.stdout, [prepared.dest])[0]! } : {};
}
