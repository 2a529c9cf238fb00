import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { ModuleError } from '../src/core/errors.js';
import { shellJoin, shellQuote } from '../src/core/shellQuote.js';
import type { Target } from './module.js';
import { absentState, typeFromMode, type ChecksumAlgorithm, type PathState, type StateOptions } from './pathState.js';
import { treeStatesAndExistence } from './treeStates.js';

export { absentState, hashBuffer, type ChecksumAlgorithm, type PathState, type StateOptions } from './pathState.js';

/**
 * The state of paths on the target, read in ONE command (the mode/owner/group changes the file modules
 * share are in fileAttributes.ts). Everything is computed on the controller from one parseable record per path, so a module
 * costs one round trip to decide and (at most) one put plus one command to apply.
 */

/** Ansible's DEFAULT_MAX_FILE_SIZE_FOR_DIFF: bigger files get no diff. */
export const MAX_DIFF_SIZE = 104448;

/** The fields of a state's stat line, in the order parseStates reads them. */
const STAT_FORMAT = '%f %u %g %s %.9X %.9Y %.9Z %h %i %d %b %o %t %T %U %G';

/**
 * `pt_state PATH` prints one record: NUL-separated fields (stat line, link target, real path, digest),
 * then `C\0<size bytes>` or `N\0`. Options come from $pt_L (-L or empty), $pt_sum (a *sum command) and
 * $pt_max (content limit). Without content (pt_max < 0), stat prints straight to stdout: no subshell to
 * capture its line, unless $pt_keep is set: then the line stays in $pt_st for the script. With $pt_again set, a symlink's target and real path are those the previous call read
 * (see stateCallAgain).
 */
const STATE_FUNCTION = `pt_state() {
  if [ ! -e "$1" ] && { [ -n "$pt_L" ] || [ ! -L "$1" ]; }; then printf 'absent\\0'; return 0; fi
  if [ "$pt_max" -lt 0 ] && [ -z "$pt_keep" ]; then
    stat $pt_L --printf '${STAT_FORMAT}\\0' -- "$1" || { printf 'error\\0'; return 0; }
  else
    pt_st=$(stat $pt_L --printf '${STAT_FORMAT}' -- "$1") || { printf 'error\\0'; return 0; }
    printf '%s\\0' "$pt_st"
  fi
  if [ -L "$1" ]; then
    if [ -z "$pt_again" ]; then pt_lt=$(readlink -- "$1"); pt_lr=$(readlink -f -- "$1"); fi
    printf '%s\\0%s\\0' "$pt_lt" "$pt_lr"
  else printf '\\0\\0'; fi
  pt_reg=; if [ -f "$1" ] && { [ -n "$pt_L" ] || [ ! -L "$1" ]; }; then pt_reg=1; fi
  if [ -n "$pt_sum" ] && [ -n "$pt_reg" ] && pt_s=$("$pt_sum" < "$1"); then printf '%s\\0' "\${pt_s%% *}"; else printf '\\0'; fi
  if [ "$pt_max" -lt 0 ] || [ -z "$pt_reg" ]; then printf 'N\\0'; return 0; fi
  set -f; set -- "$1" $pt_st; set +f
  if [ "$pt_max" -ge "$5" ]; then printf 'C\\0'; cat -- "$1"; else printf 'N\\0'; fi
}`;

/** Shell text defining pt_state with these options; append `pt_state 'path'` calls (see stateCall). */
export function statePrelude(options: StateOptions = {}): string {
  const sum = options.checksum ? `${options.checksum}sum` : '';
  return `${STATE_FUNCTION}\npt_again=; pt_L=${options.follow ? '-L' : ''}; pt_sum=${sum}; pt_max=${options.contentLimit ?? -1}\n`;
}

export function stateCall(path: string): string {
  return `pt_state ${shellQuote(path)}`;
}

/** stateCall for the path the previous call read (now followed, say): its link is not read again. */
export function stateCallAgain(path: string): string {
  return `pt_again=1; ${stateCall(path)}; pt_again=`;
}

/** stateCall for a state that only becomes Ansible's path info (pathInfo): a link's target and real path are not read. */
export function stateCallUnlinked(path: string): string {
  return `pt_again=1; pt_lt=; pt_lr=; ${stateCall(path)}; pt_again=`;
}

/**
 * Commands for a `set -e` script, run on `path`, a regular file or folder (not a link) the script has just
 * created with `mode` through its umask: they leave its stat line in $pt_st, chmod-ing it (and `alsoChmod`, shell
 * words such as "$@") to `mode` first when it did not get it (a default ACL on its folder wins over the umask).
 * No program more than the stat a state costs, unless that chmod is due. printKeptState prints what they kept as
 * pt_state's record, e.g. once the file is renamed.
 */
export function keepStateWithMode(path: string, mode: number, alsoChmod = ''): string[] {
  const read = `pt_st=$(stat --printf '${STAT_FORMAT}' -- ${shellQuote(path)})`;
  const chmod = `${shellJoin(['chmod', '--', formatMode(mode), path])}${alsoChmod ? ` ${alsoChmod}` : ''}`;
  return [read, `pt_m=\${pt_st%% *}; if [ $((0x$pt_m & 4095)) -ne ${mode} ]; then ${chmod}; ${read}; fi`];
}

/** pt_state's record of the file or folder whose stat line keepStateWithMode left in $pt_st. */
export function printKeptState(): string {
  return `printf '%s\\0\\0\\0\\0N\\0' "$pt_st"`;
}

/** Read several paths' states in one round trip. */
export async function readPathStates(target: Target, paths: readonly string[], options: StateOptions = {}): Promise<PathState[]> {
  return (await readPathStatesAndExistence(target, paths, [], options)).states;
}

/**
 * readPathStates, and in the same round trip whether each of `checked` exists (following symlinks, as
 * `follow` does): a shell test, where a state costs a stat.
 */
export async function readPathStatesAndExistence(
  target: Target,
  paths: readonly string[],
  checked: readonly string[],
  options: StateOptions = {},
): Promise<{ states: PathState[]; exists: boolean[] }> {
  const fromTree = target.files && treeStatesAndExistence(target.files, paths, checked, options);
  if (fromTree) return fromTree;
  const result = await target.exec(statesAndExistenceScript(paths, checked, options));
  if (result.rc !== 0) throw new ModuleError(`could not read the state of ${[...paths, ...checked].join(', ')}: ${result.stderr.toString().trim()}`);
  return parseStatesAndExistence(result.stdout, paths, checked);
}

/** The script readPathStatesAndExistence runs (a prelude, then one line per path). */
export function statesAndExistenceScript(paths: readonly string[], checked: readonly string[], options: StateOptions = {}): string {
  return statePrelude(options) + [...paths.map(stateCall), ...checked.map(existenceTest)].join('\n');
}

/** Shell text printing 1 when `path` exists (following symlinks), else 0: a test, where a state costs a stat. */
export function existenceTest(path: string): string {
  return `if [ -e ${shellQuote(path)} ]; then printf 1; else printf 0; fi`;
}

/** What statesAndExistenceScript printed. */
export function parseStatesAndExistence(stdout: Buffer, paths: readonly string[], checked: readonly string[]): { states: PathState[]; exists: boolean[] } {
  const end = stdout.length - checked.length;
  const answers = stdout.subarray(Math.max(end, 0)).toString('latin1');
  if (end < 0 || !/^[01]*$/.test(answers)) throw new ModuleError(`could not parse the state of ${[...paths, ...checked].join(', ')} sent by the target`);
  return { states: parseStates(stdout.subarray(0, end), paths), exists: [...answers].map((answer) => answer === '1') };
}

export async function readPathState(target: Target, path: string, options: StateOptions = {}): Promise<PathState> {
  return (await readPathStates(target, [path], options))[0]!;
}

/** Parse the records printed by successive pt_state calls (in the order of `paths`). */
export function parseStates(output: Buffer, paths: readonly string[]): PathState[] {
  let offset = 0;
  const field = (): string => {
    const end = output.indexOf(0, offset);
    if (end < 0) throw new ModuleError(`could not parse the state of ${paths.join(', ')} sent by the target`);
    const text = output.subarray(offset, end).toString();
    offset = end + 1;
    return text;
  };
  return paths.map((path) => {
    const line = field();
    if (line === 'absent') return absentState(path);
    if (line === 'error') throw new ModuleError(`could not stat ${path} on the target (permission denied?)`);
    const [rawMode, uid, gid, size, atime, mtime, ctime, nlink, inode, dev, blocks, blockSize, major, minor, owner, group] = line.split(' ');
    const fullMode = parseInt(rawMode!, 16);
    const linkTarget = field();
    const realPath = field();
    const checksum = field();
    const state: PathState = {
      path,
      exists: true,
      type: typeFromMode(fullMode),
      mode: fullMode & 0o7777,
      uid: Number(uid),
      gid: Number(gid),
      owner: owner!,
      group: group!,
      size: Number(size),
      atime: Number(atime),
      mtime: Number(mtime),
      ctime: Number(ctime),
      nlink: Number(nlink),
      inode: Number(inode),
      dev: Number(dev),
      blocks: Number(blocks),
      blockSize: Number(blockSize),
      deviceMajor: parseInt(major!, 16),
      deviceMinor: parseInt(minor!, 16),
    };
    if (linkTarget || realPath) Object.assign(state, { linkTarget, realPath });
    if (checksum) state.checksum = checksum;
    if (field() === 'C') {
      state.content = output.subarray(offset, offset + state.size);
      offset += state.size;
    }
    return state;
  });
}

/** Ansible's '0%03o' rendering of permission bits: 0644, 01777. */
export function formatMode(mode: number): string {
  return `0${mode.toString(8).padStart(3, '0')}`;
}

/** Digest, md5 and size of a controller file, streamed (files may be GBs). */
export async function hashLocalFile(path: string, algorithm: ChecksumAlgorithm = 'sha1'): Promise<{ checksum: string; md5: string; size: number }> {
  const hash = createHash(algorithm);
  const md5 = createHash('md5');
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    md5.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { checksum: hash.digest('hex'), md5: md5.digest('hex'), size };
}

/** Ansible's state name for add_path_info: link, directory, hard (several names), file. */
export function ansibleStateName(state: PathState): string {
  if (!state.exists) return 'absent';
  if (state.type === 'link') return 'link';
  if (state.type === 'directory') return 'directory';
  if (state.nlink > 1) return 'hard';
  return 'file';
}

/** The path keys Ansible adds to a file result (add_path_info). */
export function pathInfo(state: PathState): Record<string, unknown> {
  if (!state.exists) return { state: 'absent' };
  return {
    uid: state.uid,
    gid: state.gid,
    owner: state.owner,
    group: state.group,
    mode: formatMode(state.mode),
    state: ansibleStateName(state),
    size: state.size,
  };
}

/** Ansible's backup name: `<dest>.<pid>.<YYYY-MM-DD@HH:MM:SS>~` (local time). */
export function backupName(dest: string, now = new Date()): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}-${two(now.getMonth() + 1)}-${two(now.getDate())}@${two(now.getHours())}:${two(now.getMinutes())}:${two(now.getSeconds())}`;
  return `${dest}.${process.pid}.${stamp}~`;
}

/** Run `commands` (joined with &&) then print the state of `path`; throws ModuleError with stderr on failure. */
export async function applyAndRead(target: Target, commands: readonly string[], path: string, options: StateOptions = {}): Promise<PathState> {
  const script = `${statePrelude(options)}${commands.length ? commands.join(' &&\n') + ' &&\n' : ''}${stateCall(path)}`;
  const result = await target.exec(script);
  if (result.rc !== 0) {
    throw new ModuleError(`failed on ${path}: ${result.stderr.toString().trim()}`, { rc: result.rc, stderr: result.stderr.toString() });
  }
  return parseStates(result.stdout, [path])[0]!;
}
