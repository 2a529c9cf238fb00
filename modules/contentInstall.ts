import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path/posix';
import type { Readable } from 'node:stream';
import { ModuleError } from '../src/core/errors.js';
import { shellJoin, shellQuote } from '../src/core/shellQuote.js';
import { cleanupOnExit } from '../src/core/shellTraps.js';
import { receiveContent } from './contentReceive.js';
import type { ExecResult } from '../connections/connection.js';
import type { ModuleContext, ModuleResult } from './module.js';
import { createdState } from './createdState.js';
import { backupName, keepStateWithMode, parseStates, printKeptState, readPathState, stateCall, statePrelude, type PathState } from './remoteFile.js';
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
  // Read from the controller when it can: dest's new state costs no stat in the tree then, and the file may be
  // created with its mode (checked once in place) instead of chmod-ed.
  const byController = ctx.target.files !== undefined;
  const prepared = await prepareInstall(job, readBack || byController, undefined, byController);
  const outcome = installOutcome(await runInstall(ctx, prepared, installScript(prepared)), prepared);
  if (isFailure(outcome)) return outcome;
  const backup = prepared.backupFile ? { backupFile: prepared.backupFile } : {};
  if (!byController) return { ...outcome, ...backup };
  const { dest, modeToCheck } = prepared;
  if (modeToCheck !== undefined) return { state: await createdState(ctx.target, dest, modeToCheck), ...backup };
  return readBack ? { state: await readPathState(ctx.target, dest), ...backup } : backup;
}

/** An installation's commands, ready to run: see installScript. */
interface PreparedInstall extends ScriptOptions {
  dest: string;
  commands: string[];
  backupFile?: string;
  /** The mode the file was created with, for the caller to check once dest is read (`byController`). */
  modeToCheck?: number;
}

/**
 * `suffix` names the temporary file and ends the content on stdin: scripts sharing one stdin share it.
 * `byController`: dest's new state is read after the command by the caller (its created mode is modeToCheck).
 */
export async function prepareInstall(job: Installation, readBack: boolean, suffix = randomBytes(4).toString('hex'), byController = false): Promise<PreparedInstall> {
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
  // The mode a file created through the umask must have, checked before the rename (keepStateWithMode).
  let modeCheck: number | undefined;
  if (job.remotePath) {
    // A copy of a file already in the tree: cp gives it at most that file's own rights, so it shows no
    // reader anything the source did not.
    commands.push(shellJoin(['cp', '--', job.remotePath, temporary]));
  } else {
    // The content may be a secret (copy content=, a template, a no_log task): the temporary file is created
    // 0600 and keeps that mode while the bytes arrive, unless the mode it ends with shows no one more (see
    // createdWithMode): then the umask gives it that mode at creation, and no chmod is run.
    const keptMode = current.exists && changes.mode === undefined ? current.mode : changes.mode;
    const createdMode = keptMode !== undefined && createdWithMode(job, changes, keptMode, readBack) ? keptMode : 0o600;
    if (createdMode === keptMode && readBack) {
      // Checked before the rename, in the stat the result needs anyway: a default ACL on the folder wins over
      // the umask, and a created mode that differs is set right then.
      changes = { ...changes, mode: undefined };
      modeCheck = createdMode;
    } else if (keptMode === undefined) {
      // A new file without a mode gets 0666 less the shell's umask (`=rw` leaves the umask's bits alone), as a
      // plain redirection gives it.
      finalMode = ['=rw'];
    } else if (changes.mode === undefined) finalMode = ['--reference', shellQuote(dest)];
    const reception = await receiveContent(temporary, suffix, job, createdMode);
    commands.push(...reception.commands);
    stdin = reception.stdin;
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
  commands.push(...attributeCommands(temporary, changes));
  if (modeCheck !== undefined && !byController) commands.push(...keepStateWithMode(temporary, modeCheck));
  commands.push(shellJoin(['mv', '-f', '--', temporary, dest]));
  const checked = byController ? { readBack: false, ...(modeCheck === undefined ? {} : { modeToCheck: modeCheck }) } : { readBack, keptState: modeCheck !== undefined };
  return { dest, commands, temporary, stdin, ...checked, ...(backupFile ? { backupFile } : {}) };
}


const VALIDATE_FAILED = 97;

/** Final modes a content file can be created with while it fills: none shows a reader more than 0600, all let validate read it. */
const OWNER_ONLY_MODES = new Set([0o600, 0o400]);

/**
 * Whether the temporary file may be created with `mode`, the mode it ends with: only where a stat follows
 * (`readBack`: the created mode is checked there, see prepareInstall) and where the file shows no one, while it
 * fills, more than it will once in place. An owner-only mode always qualifies; otherwise no execute, special or
 * write bits for group and others, no validate (its content may never be installed), and no group that may
 * change after creation (a replaced file gets its owner's, a wanted one is set) unless the group reads no more
 * than everyone does.
 */
function createdWithMode(job: Installation, changes: AttributeChanges, mode: number, readBack: boolean): boolean {
  if (!readBack || mode < 0) return false;
  if (OWNER_ONLY_MODES.has(mode)) return true;
  if ((mode & ~0o644) !== 0 || job.validate) return false;
  const groupMayChange = job.current.exists || changes.owner !== undefined || changes.group !== undefined;
  return !groupMayChange || ((mode >> 3) & ~mode & 0o7) === 0;
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
  /** The commands left the state in $pt_st (keepStateWithMode): print it instead of reading dest again. */
  keptState?: boolean;
}

/** Run the commands (removing the temporary file if any fails), then print dest's state if asked: one round trip. */
export async function applyScript(ctx: ModuleContext, commands: string[], dest: string, options: ScriptOptions): Promise<{ state?: PathState } | ModuleResult> {
  const prepared = { ...options, dest, commands };
  return installOutcome(await runInstall(ctx, prepared, installScript(prepared)), prepared);
}

/** The script of applyScript: the commands under `set -e` and a trap removing the temporary file. */
export function installScript(prepared: ScriptOptions & { dest: string; commands: string[] }): string {
  const { temporary, readBack, dest, commands, keptState } = prepared;
  // The trap is cleared once the rename is done: a successful write runs no rm.
  const cleanup = temporary ? `${cleanupOnExit(`rm -f -- ${shellQuote(temporary)}`)}\n` : '';
  const read = readBack && !keptState ? `${statePrelude()}` : '';
  const state = !readBack ? '' : keptState ? printKeptState() : stateCall(dest);
  return `${read}${cleanup}set -e\n${commands.join('\n')}\nset +e\n${temporary ? 'trap - EXIT\n' : ''}${state}`;
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
