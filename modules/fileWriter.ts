import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path/posix';
import { ModuleError } from '../src/core/errors.js';
import { shellJoin, shellQuote } from '../src/core/shellQuote.js';
import type { ModuleContext, ModuleResult } from './module.js';
import { contentDiff } from './contentDiff.js';
import { applyScript, install, installOutcome, installScript, isFailure, prepareInstall, runInstall, type Installation } from './contentInstall.js';
import { MAX_DIFF_SIZE, absentState, existenceTest, hashBuffer, hashLocalFile, parseStatesAndExistence, pathInfo, readPathStatesAndExistence, stateCall, statePrelude, statesAndExistenceScript, type PathState, type StateOptions } from './remoteFile.js';
import { attributeChanges, attributeCommands, hasChanges, resolveMode, type AttributeChanges, type WantedAttributes } from './fileAttributes.js';
import { withProperties } from '../src/core/objectCopies.js';

/**
 * Writing one file's content to the target, shared by copy (content/src) and template: one command to
 * read the destination's state and sha1, then only if the content differs one put to a temporary name
 * and one command that validates, backs up, sets mode/owner/group, renames and reports the new state.
 * A missing destination, or a changed regular file when no owner, group or symbolic mode is asked for, is
 * written by the reading command itself (readOrWrite).
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
  const sent = request.remoteFile ? undefined : request.data ? { checksum: hashBuffer(request.data), md5: hashBuffer(request.data, 'md5'), size: request.data.length } : await hashLocalFile(request.file!);
  const wanted = { mode: request.mode === 'preserve' ? request.preserveMode : request.mode, owner: request.owner, group: request.group };
  // Of the parent folder only its existence matters: a test, not a stat.
  const read = { paths, checked: [dirname(given)], options: { follow: true, checksum: 'sha1', contentLimit: ctx.diff ? MAX_DIFF_SIZE : -1 } as const };
  // Read from the controller, dest's state costs no round trip: the write waits for the decision.
  const early = sent && !ctx.target.files && (await writesEarly(ctx, request, trailingSlash, sent.size)) ? await readOrWrite(ctx, { ...request, dest: given }, wanted, read, sent.checksum) : undefined;
  const { states, exists } = early?.read ?? (await readPathStatesAndExistence(ctx.target, read.paths, read.checked, read.options));
  const remote = request.remoteFile ? states.pop()! : undefined;
  if (remote && remote.type !== 'file') return { changed: false, failed: true, msg: `Source ${request.remoteFile} not found` };
  const source = sent ?? { checksum: remote!.checksum!, md5: undefined, size: remote!.size };
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

  const changes = attributeChanges(current, wanted);
  const contentChanged = !current.exists || current.checksum !== source.checksum;
  // The reading command wrote only where this decides to write dest: anything else is a bug to say loudly.
  if (early?.installed && (!contentChanged || dest !== given || (current.exists && request.force === false))) throw new ModuleError(`${dest} was written ahead of a decision not to (a playtree bug)`);
  const result: ModuleResult = { changed: contentChanged || hasChanges(changes), ...base, checksum: source.checksum };
  if (contentChanged && ctx.diff) result.diff = await contentDiff(request, current, dest, source.size, remote);
  if (!result.changed) return withProperties(result, { path: dest }, pathInfo(current));
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
  const installed = early?.installed ?? (await installContent(ctx, withProperties(request, { dest, current, changes, remotePath: remote?.path })));
  if (isFailure(installed)) return { ...result, ...installed };
  const md5 = source.md5 ? { md5sum: source.md5 } : {};
  const done = withProperties(result, md5, pathInfo(installed.state));
  return installed.backupFile ? withProperties(done, { backup_file: installed.backupFile }) : done;
}

/** Content up to this size goes with the read of its destination (readOrWrite); bigger content waits for it. */
const EARLY_WRITE_LIMIT = 64 * 1024;

/** Whether writeFileContent sends the content with its read (readOrWrite). */
async function writesEarly(ctx: ModuleContext, request: WriteRequest, trailingSlash: boolean, size: number): Promise<boolean> {
  // A validate without %s fails only where a write is due: the write after the read checks it.
  const validateUsable = !request.validate || request.validate.includes('%s');
  const regular = request.data !== undefined || (await stat(request.file!)).isFile();
  return !ctx.check && !trailingSlash && size <= EARLY_WRITE_LIMIT && validateUsable && regular;
}

interface StatesRead {
  paths: string[];
  checked: string[];
  options: StateOptions;
}

type Installed = Awaited<ReturnType<typeof installContent>>;

/**
 * One command that installs the content when writeFileContent's decision is known before reading: dest is
 * missing (not even a dangling link) and its folder is there (a new file with the wanted mode and owner),
 * or dest is a regular file whose sha1 differs and only an octal mode (or none) is wanted (owner and mode
 * kept as a second command would keep them). Otherwise it only reads the states, as
 * readPathStatesAndExistence does. The content is sent either way, hence only small content.
 */
async function readOrWrite(ctx: ModuleContext, request: WriteRequest & { dest: string }, wanted: WantedAttributes, read: StatesRead, checksum: string): Promise<{ read: { states: PathState[]; exists: boolean[] }; installed?: Installed }> {
  const { dest } = request;
  const current = absentState(dest);
  // In memory, a controller file too: a connection may see a stream that the script leaves unread as failed.
  const data = request.data ?? (await readFile(request.file!));
  const created = await prepareInstall({ ...request, data, file: undefined, current, changes: attributeChanges(current, wanted) }, true);
  const suffix = created.temporary!.slice(-8);
  const replaced = replaceable(request, wanted) ? await prepareInstall({ ...request, data, file: undefined, current: { ...current, exists: true, mode: -1 }, changes: replaceable(request, wanted)! }, true, suffix) : undefined;
  const marker = `U${suffix}`;
  const quoted = shellQuote(dest);
  // Without a diff, dest's old state matters only when it is kept: a replaced file is only hashed (replaceFirst).
  const first = replaced && (read.options.contentLimit ?? -1) < 0;
  const replace = replaced && !first ? `\nif [ -f ${quoted} ] && [ ! -L ${quoted} ] && [ "\${pt_s%% *}" != ${checksum} ]; then printf '${marker}\\0'\n${installScript(replaced)}\nfi` : '';
  const reading = first ? replaceFirst(dest, read, checksum, marker, installScript(replaced)) : `${statesAndExistenceScript(read.paths, read.checked, read.options)}${replace}`;
  const script = `if [ ! -e ${quoted} ] && [ ! -L ${quoted} ] && [ -e ${shellQuote(dirname(dest))} ]; then printf W\n${installScript(created)}\nelse printf R\n${reading}\nfi`;
  const run = await runInstall(ctx, created, script);
  const installed = (prepared: typeof created, stdout: Buffer): Installed => {
    const outcome = installOutcome({ ...run, stdout }, prepared);
    return isFailure(outcome) ? outcome : { state: outcome.state!, ...(prepared.backupFile ? { backupFile: prepared.backupFile } : {}) };
  };
  if (run.stdout[0] === 0x57) { // 'W'
    const states = [current, ...read.paths.slice(1).map(absentState)];
    return { read: { states, exists: [true] }, installed: installed(created, run.stdout.subarray(1)) };
  }
  if (first && run.stdout.subarray(1, marker.length + 2).equals(Buffer.from(`${marker}\0`))) {
    // A regular file (not a link) whose content differs, replaced unread: what is under it as a folder is absent.
    const states = [{ ...absentState(dest), exists: true, type: 'file' as const, mode: -1 }, ...read.paths.slice(1).map(absentState)];
    return { read: { states, exists: [true] }, installed: installed(replaced!, run.stdout.subarray(marker.length + 2)) };
  }
  const at = replaced && !first ? run.stdout.lastIndexOf(`${marker}\0`) : -1;
  if ((run.rc !== 0 && at < 0) || run.stdout[0] !== 0x52) throw new ModuleError(`could not read the state of ${[...read.paths, ...read.checked].join(', ')}: ${run.stderr.toString().trim()}`);
  // replaceFirst says E when it hashed dest and found the content the same: its state is read without hashing again.
  const hashed = first && run.stdout[1] === 0x45;
  const readOutput = first ? run.stdout.subarray(2) : at < 0 ? run.stdout.subarray(1) : run.stdout.subarray(1, at);
  const states = parseStatesAndExistence(readOutput, read.paths, read.checked);
  if (hashed) states.states[0]!.checksum = checksum;
  return at < 0 ? { read: states } : { read: states, installed: installed(replaced!, run.stdout.subarray(at + marker.length + 1)) };
}

/**
 * readOrWrite's reading branch when dest's old state is needed only if it is kept: a regular file is hashed first
 * and, when its content differs, replaced at once (`U`, no stat of the old file); otherwise the states are read,
 * without hashing dest again when it was (`E`: same content) or as usual (`N`).
 */
function replaceFirst(dest: string, read: StatesRead, checksum: string, marker: string, install: string): string {
  const quoted = shellQuote(dest);
  const sum = `${read.options.checksum || 'sha1'}sum`;
  return `pt_s=; if [ -f ${quoted} ] && [ ! -L ${quoted} ]; then pt_s=$(${sum} < ${quoted}) || pt_s=; fi
if [ -n "$pt_s" ] && [ "\${pt_s%% *}" != ${checksum} ]; then printf '${marker}\\0'
${install}
else
${statePrelude(read.options)}if [ -n "$pt_s" ]; then printf E; pt_sum=; else printf N; fi
${[...read.paths.map(stateCall), ...read.checked.map(existenceTest)].join('\n')}
fi`;
}

/** The changes a replacing write makes whatever dest's mode (see readOrWrite), or undefined when it depends on dest. */
function replaceable(request: WriteRequest, wanted: WantedAttributes): AttributeChanges | undefined {
  const mode = wanted.mode;
  if (request.force === false || wanted.owner || wanted.group) return undefined;
  if (mode === undefined || mode === null) return {};
  const octal = typeof mode === 'number' || (typeof mode === 'string' && /^(0o)?[0-7]+$/i.test(mode.trim()));
  return octal ? { mode: resolveMode(mode, 0, false) } : undefined;
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

export { isFailure };
export type { Installation };
