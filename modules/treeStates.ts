import type { BigIntStats } from 'node:fs';
import { TreeFilesUnanswered, type TreeFiles } from '../connections/treeFiles.js';
import { absentState, hashBuffer, typeFromMode, type PathState, type StateOptions } from './pathState.js';

/*
 * Path states read through the target's TreeFiles (a local tree seen from the controller): the same
 * PathState records pt_state's command prints (remoteFile.ts), without a command. Where the answer would
 * need more than reading here, it is undefined and the caller sends the command as before: a symlink as the
 * path itself (its target and `readlink -f` path), an owner or group that the tree's /etc/passwd or
 * /etc/group does not name (another name service may), a checksum of a file over HASH_LIMIT.
 */

/** Bigger files are hashed in the tree (sha1sum there does not hold up the controller's other hosts). */
const HASH_LIMIT = 16 * 1024 * 1024;

/** The states of `paths` and whether each of `checked` exists (following links), or undefined: see above. */
export function treeStatesAndExistence(
  files: TreeFiles,
  paths: readonly string[],
  checked: readonly string[],
  options: StateOptions = {},
): { states: PathState[]; exists: boolean[] } | undefined {
  try {
    const states: PathState[] = [];
    for (const path of paths) {
      const state = treeState(files, path, options);
      if (!state) return undefined;
      states.push(state);
    }
    return { states, exists: checked.map((path) => files.stat(path, true) !== undefined) };
  } catch (error) {
    if (error instanceof TreeFilesUnanswered) return undefined;
    throw error;
  }
}

function treeState(files: TreeFiles, path: string, options: StateOptions): PathState | undefined {
  const own = files.stat(path, false);
  if (!own) return absentState(path);
  if (own.isSymbolicLink()) return undefined;
  const accounts = accountsOf(files);
  const owner = accounts?.users?.get(Number(own.uid));
  const group = accounts?.groups?.get(Number(own.gid));
  if (owner === undefined || group === undefined) return undefined;
  const state = stateOf(path, own, owner, group);
  const limit = options.contentLimit ?? -1;
  if (state.type !== 'file' || (!options.checksum && limit < 0)) return state;
  const wanted = options.checksum ? Math.max(limit, HASH_LIMIT) : limit;
  if (state.size > wanted) return options.checksum ? undefined : state;
  const content = files.readFile(path, false, wanted);
  if (!content) return undefined;
  if (options.checksum) state.checksum = hashBuffer(content, options.checksum);
  if (limit >= content.length) state.content = content;
  return state;
}

function stateOf(path: string, info: BigIntStats, owner: string, group: string): PathState {
  const mode = Number(info.mode);
  const { rdev } = info;
  return {
    path,
    exists: true,
    type: typeFromMode(mode),
    mode: mode & 0o7777,
    uid: Number(info.uid),
    gid: Number(info.gid),
    owner,
    group,
    size: Number(info.size),
    atime: seconds(info.atimeNs),
    mtime: seconds(info.mtimeNs),
    ctime: seconds(info.ctimeNs),
    nlink: Number(info.nlink),
    inode: Number(info.ino),
    dev: Number(info.dev),
    blocks: Number(info.blocks),
    blockSize: Number(info.blksize),
    // glibc's major()/minor() of st_rdev, as stat's %t and %T print them.
    deviceMajor: Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn)),
    deviceMinor: Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn)),
  };
}

/** A time as stat's `%.9Y` prints it and parseStates reads it back: the same number to the last bit. */
function seconds(ns: bigint): number {
  const negative = ns < 0n;
  const magnitude = negative ? -ns : ns;
  const text = `${magnitude / 1_000_000_000n}.${String(magnitude % 1_000_000_000n).padStart(9, '0')}`;
  return Number(negative ? `-${text}` : text);
}

/** The tree's account names as its files give them, and what those files were when read. */
interface Accounts {
  key: string;
  /** Names by id; undefined where the tree's nsswitch.conf asks another service before `files`. */
  users: Map<number, string> | undefined;
  groups: Map<number, string> | undefined;
}

const accountsByTree = new WeakMap<TreeFiles, Accounts>();
const ACCOUNT_FILES = ['nsswitch.conf', 'passwd', 'group'] as const;

/**
 * The tree's account names: the first entry for each id in its /etc/passwd and /etc/group, as getpwuid's
 * files service answers (none where the tree's nsswitch.conf asks another service first), or undefined when a
 * file is a link. The files are read again when one of them changed (a task added a user): one stat of each tells.
 */
function accountsOf(files: TreeFiles): Accounts | undefined {
  const infos = files.statEntries('/etc', ACCOUNT_FILES);
  if (infos.some((info) => info?.isSymbolicLink())) return undefined;
  const key = infos.map((info) => (info ? `${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}` : '-')).join('/');
  let accounts = accountsByTree.get(files);
  if (accounts?.key !== key) {
    const switchText = infos[0] ? files.readFile('/etc/nsswitch.conf', false, 1024 * 1024)?.toString('utf8') ?? '' : '';
    const read = (name: 'passwd' | 'group') => (filesServiceFirst(switchText, name) ? namesIn(files.readFile(`/etc/${name}`, false, 64 * 1024 * 1024)) : undefined);
    accounts = { key, users: read('passwd'), groups: read('group') };
    accountsByTree.set(files, accounts);
  }
  return accounts;
}

/** id → first name of a passwd or group file (NIS's +/- lines are not names). */
function namesIn(text: Buffer | undefined): Map<number, string> | undefined {
  if (!text) return undefined;
  const names = new Map<number, string>();
  for (const line of text.toString('utf8').split('\n')) {
    const [name, , number] = line.split(':');
    if (!name || number === undefined || !/^\d+$/.test(number) || name.startsWith('+') || name.startsWith('-')) continue;
    if (!names.has(Number(number))) names.set(Number(number), name);
  }
  return names;
}

/** Whether nsswitch.conf (its text; empty when there is none) asks `files` first for `database`, glibc's default when unsaid. */
function filesServiceFirst(text: string, database: 'passwd' | 'group'): boolean {
  const line = text.split('\n').find((entry) => entry.trim().startsWith(`${database}:`));
  if (line === undefined) return true;
  const first = line.replace(/#.*/, '').slice(line.indexOf(':') + 1).trim().split(/\s+/)[0];
  return first === 'files' || first === 'compat';
}
