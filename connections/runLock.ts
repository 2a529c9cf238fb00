import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants, fstatSync, ftruncateSync, lstatSync, mkdirSync, openSync, readFileSync, readSync, statSync, writeSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { ConnectionError } from '../src/core/errors.js';
import { locateProgram } from './treeChecks.js';

/*
 * One playtree run per tree at a time. The chroot and nspawn drivers lock the tree when a host's connection
 * first opens; the lock stays for the whole run (through every play, and between the per-command
 * containers of `ansible_nspawn_persistent: false`) and is released when playtree exits.
 *
 * Why a child process holds it: Node has no flock(2). `flock --no-fork` locks the lock file and becomes
 * `cat` (one process, no shell), whose stdin is a pipe from playtree. Whatever way playtree ends — even
 * SIGKILL — the kernel closes that pipe, `cat` reads end-of-file and exits, and the kernel drops the lock
 * with its last descriptor: no stale lock is possible. The child runs in its own session so that ^C on the
 * terminal does not end it before playtree has stopped its containers.
 *
 * The lock file is LOCK_FOLDER/tree-DEV:INO of the tree's root folder, so two paths to one tree (a symlink,
 * a bind mount) collide. The holder writes its pid, start time and playbook into it, for a refused run to
 * name, and removes it when it lets go (a killed run leaves the file, unlocked, for the next run to reuse).
 * Within one run the lock is re-entrant: two inventory hosts on the same tree share it, also when one of them
 * reaches it through a playtree_via build host that is this machine (shareTreeLock).
 *
 * Only a run locks (the CLI calls configureTreeLocks): code that uses the drivers in-process, such as the
 * tests, holds no lock, since nothing would release it before that process ends.
 */

export const LOCK_FOLDER = '/run/playtree/locks';
/** flock's exit code when the lock is held elsewhere (and the wait, if any, ran out). */
const BUSY = 75;
/**
 * The holder's argv, waiting up to `waitSeconds` (0: refuse at once). The lock file is the holder's fd 3,
 * which flock opens afresh (the same file: the lock is on the file, whatever description holds it).
 * Once locked, flock execs `cat`, which echoes the newline playtree sent first: that echo says "locked".
 */
function holderArgv(waitSeconds: number): string[] {
  return ['--no-fork', '-E', String(BUSY), '-w', String(waitSeconds), '/proc/self/fd/3', 'cat'];
}

export interface Holder {
  pid: number;
  since: string;
  playbook: string;
}

/** A lock holder process, from its start (maybe waiting in flock -w) to its exit. */
interface LiveHolder {
  exited: Promise<void>;
  holding: boolean;
  /** The lock file, once this holder owns it: removed at release (while still held), so files do not pile up. */
  path?: string;
}

/** The lock's holder, for the message of a run it refuses (each host refused words its own). */
export class TreeBusy extends Error {
  constructor(readonly holder: Holder | undefined) {
    super('tree busy');
  }
}

const settings = { enabled: false, waitSeconds: 0, playbook: '' };
/**
 * This run's locks by tree KERNEL:DEV:INO (a promise while being taken): the kernel's boot id and the root
 * folder's device and inode name one tree however the run reaches it (spelled otherwise, through a symlink or
 * bind mount, or through a playtree_via build host name that is this machine or another name of one build host).
 */
const held = new Map<string, Promise<void>>();
let kernel: string | undefined;
const live = new Map<ChildProcess, LiveHolder>();

/** Called once by the CLI before a run: locks are on; how long to wait for a busy tree (`--lock-wait`); the playbook a holder names. */
export function configureTreeLocks(options: { waitSeconds: number; playbook: string }): void {
  Object.assign(settings, options, { enabled: true });
}

/** Whether this run locks trees, how long it waits for a busy one, the playbook a holder names (for playtree_via's build hosts). */
export function treeLockSettings(): Readonly<typeof settings> {
  return settings;
}

/**
 * Take this run's lock on `tree` (or share the one it already holds). A tree another playtree run holds
 * makes the host UNREACHABLE with one line naming that run, after waiting up to `--lock-wait` seconds.
 */
export async function lockTree(host: string, tree: string, log: (verbosity: number, message: string) => void): Promise<void> {
  if (!settings.enabled) return;
  const info = statSync(tree, { bigint: true });
  const id = `${info.dev}:${info.ino}`;
  const taking = shareTreeLock(`${localKernel()}:${id}`, () =>
    takeLock(`${LOCK_FOLDER}/tree-${id}`, (holder) =>
      log(0, `${host}: tree ${tree} is in use by another playtree run${describeHolder(holder)}; waiting up to ${settings.waitSeconds} s`),
    ),
  );
  try {
    await taking;
  } catch (error) {
    if (!(error instanceof TreeBusy)) throw new ConnectionError(`${host}: could not lock tree ${tree}: ${(error as Error).message}`, host);
    throw treeBusyError(host, tree, error.holder);
  }
}

/**
 * This run's lock on the tree named `key` (KERNEL:DEV:INO): `take` runs for the first caller only, the others
 * share its outcome; a failed taking is forgotten (a later host tries again).
 */
export function shareTreeLock(key: string, take: () => Promise<void>): Promise<void> {
  let taking = held.get(key);
  if (!taking) {
    const mine = take();
    held.set(key, mine);
    mine.catch(() => {
      if (held.get(key) === mine) held.delete(key);
    });
    taking = mine;
  }
  return taking;
}

/** This machine's kernel, for held's keys: its boot id (what a build host's PREPARE_SCRIPT answers for itself). */
function localKernel(): string {
  try {
    kernel ??= readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    kernel = 'controller';
  }
  return kernel;
}

/** The message of a run refused because another holds the tree (`where`: ` on build host NAME` for playtree_via). */
export function treeBusyError(host: string, tree: string, holder: Holder | undefined, where = ''): ConnectionError {
  const waited = settings.waitSeconds > 0 ? ` (waited ${settings.waitSeconds} s)` : '';
  const advice = settings.waitSeconds > 0 ? 'wait for it to finish, or pass a longer --lock-wait' : 'wait for it to finish, or pass --lock-wait SECONDS to wait';
  return new ConnectionError(`${host}: tree ${tree}${where} is in use by another playtree run${describeHolder(holder)}${waited}; ${advice}`, host);
}

/** Let go of every tree lock this run holds and wait for the holders to end (playtree is about to exit). */
export async function releaseTreeLocks(): Promise<void> {
  held.clear();
  await Promise.all(
    [...live].map(async ([child, state]) => {
      if (state.path !== undefined) await unlink(state.path).catch(() => {});
      await endHolder(child, state);
    }),
  );
}

function endHolder(child: ChildProcess, state: LiveHolder): Promise<void> {
  child.ref();
  child.stdin?.end();
  // One still waiting for a busy tree (an interrupted --lock-wait) reads no stdin: end it and its flock.
  if (!state.holding) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  return state.exited;
}

/**
 * Lock `path`: try at once, then (with --lock-wait) wait for what is left of the time. A releasing run
 * removes its lock file while it still holds it, so a lock won on a file no longer at `path` is let go
 * and `path` opened afresh.
 */
async function takeLock(path: string, onWait: (holder: Holder | undefined) => void): Promise<void> {
  // Synchronous file calls: a few on tmpfs cost microseconds, each through Node's thread pool tens of them.
  makeLockFolder();
  const deadline = Date.now() + settings.waitSeconds * 1000;
  let waiting = false;
  for (;;) {
    // O_NOFOLLOW: a link planted at the lock's name is refused, never followed.
    const fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
    try {
      const holder = await holdLock(fd, waiting ? Math.max(0, deadline - Date.now()) / 1000 : 0);
      if (!holder) {
        if (waiting || settings.waitSeconds === 0) throw new TreeBusy(readHolder(fd));
        onWait(readHolder(fd));
        waiting = true;
        continue;
      }
      const locked = fstatSync(fd);
      const current = statSync(path, { throwIfNoEntry: false });
      if (current?.ino !== locked.ino || current.dev !== locked.dev) {
        await endHolder(holder.child, holder.state);
        continue;
      }
      holder.state.path = path;
      const about: Holder = { pid: process.pid, since: new Date().toISOString(), playbook: settings.playbook };
      ftruncateSync(fd, 0);
      writeSync(fd, `${JSON.stringify(about)}\n`, 0);
      return;
    } finally {
      closeSync(fd);
    }
  }
}

/** Start a holder on the open lock file: it once it holds the lock, undefined when another process holds it. */
function holdLock(fd: number, waitSeconds: number): Promise<{ child: ChildProcess; state: LiveHolder } | undefined> {
  return new Promise((resolve, reject) => {
    // By the path found once per run: spawning a bare name tries every PATH folder with execve.
    const child = spawn(locateProgram('flock') ?? 'flock', holderArgv(waitSeconds), {
      argv0: 'flock',
      stdio: ['pipe', 'pipe', 'pipe', fd],
      detached: true,
    });
    const state: LiveHolder = { exited: new Promise<void>((done) => child.once('exit', () => done())), holding: false };
    live.set(child, state);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin!.on('error', () => {});
    child.stdin!.write('\n');
    child.stdout!.once('data', () => {
      // Held: nothing of the child may keep playtree's event loop alive; only its stdin pipe stays open.
      child.stdout!.destroy();
      child.stderr!.destroy();
      (child.stdin as Socket).unref();
      child.unref();
      state.holding = true;
      resolve({ child, state });
    });
    child.once('error', (error: NodeJS.ErrnoException) => {
      live.delete(child);
      reject(error.code === 'ENOENT' ? new Error('flock not found on PATH; install the Debian package util-linux (it provides flock)') : error);
    });
    child.once('exit', (code) => {
      live.delete(child);
      if (code === BUSY) return resolve(undefined);
      reject(new Error(stderr.trim().split('\n')[0] || `the lock holder ended with code ${code}`));
    });
  });
}

/** /run/playtree/locks: made by root, kept private; refused if something else stands at those names. */
function makeLockFolder(): void {
  mkdirSync(LOCK_FOLDER, { recursive: true, mode: 0o700 });
  for (const folder of ['/run/playtree', LOCK_FOLDER]) {
    const info = lstatSync(folder);
    const unsafe = !info.isDirectory() || info.uid !== process.getuid?.() || (info.mode & 0o022) !== 0;
    if (unsafe) throw new Error(`${folder} must be a folder owned by root and writable only by it; remove it and rerun`);
  }
}

function readHolder(fd: number): Holder | undefined {
  const buffer = Buffer.alloc(4096);
  const bytesRead = readSync(fd, buffer, 0, 4096, 0);
  return parseHolder(buffer.subarray(0, bytesRead).toString('utf8'));
}

/** A lock file's content (JSON written by its holder), or undefined when it is not one. */
export function parseHolder(text: string): Holder | undefined {
  try {
    const holder = JSON.parse(text) as Partial<Holder>;
    if (typeof holder.pid !== 'number' || typeof holder.since !== 'string') return undefined;
    return { pid: holder.pid, since: holder.since, playbook: String(holder.playbook ?? '') };
  } catch {
    return undefined;
  }
}

/** ` (pid 1234, playbook /srv/site.yml, since 01:40:02)`, the date added when it is not today. */
export function describeHolder(holder: Holder | undefined, now = new Date()): string {
  if (!holder) return '';
  const since = new Date(holder.since);
  const time = since.toTimeString().slice(0, 8);
  const two = (n: number) => String(n).padStart(2, '0');
  const date = `${since.getFullYear()}-${two(since.getMonth() + 1)}-${two(since.getDate())}`;
  const day = since.toDateString() === now.toDateString() ? '' : `${date} `;
  const playbook = holder.playbook ? `, playbook ${holder.playbook}` : '';
  return ` (pid ${holder.pid}${playbook}, since ${day}${time})`;
}
