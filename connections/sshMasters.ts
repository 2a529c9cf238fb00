import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/*
 * The ssh master connections of a run (OpenSSH's ControlMaster/ControlPersist): one per host and control
 * path, started by the host's first connection and reused by every later command and transfer of the run,
 * whatever play or connection object sends them. A master outlives the connection objects (the engine lets
 * them go at each play's end); it is closed with `ssh -O exit` when the run ends: once Node has nothing left
 * to do (beforeExit), and, for a run ended by ^C, SIGTERM or a crash (process.exit), synchronously on exit.
 * A SIGKILLed playtree cannot close them: each then ends by itself after ControlPersist's idle time (60 s by
 * default), as Ansible's do.
 */

export interface Master {
  /** The ssh program and the argv (options, `-O exit`, destination) that closes it. */
  executable: string;
  exitArgv: string[];
}

/*
 * `masters` lists every master the run must close at its end, by key; `up` the ones known to be running
 * (opened, not reset since). A reset (`ssh -O stop`) takes a key out of `up` only: whichever connection
 * object sends the next command through that control path (another inventory host with the same settings,
 * a playtree_via carrier) starts the replacement master through ControlMaster=auto, and that replacement is
 * the run's to close as well.
 */
const masters = new Map<string, Master>();
const up = new Set<string>();
/** Keys this run reset: a master found there later was started by this run's own commands. */
const resetByRun = new Set<string>();
const opening = new Map<string, Promise<void>>();
let privateFolder: string | undefined;
let hooked = false;
/** What must end before a master is stopped (the command sessions on it, sshSession.ts), by key. */
const riders = new Map<string, Set<() => Promise<void>>>();

/**
 * Say that `end` must run before the master `key` is reset: a command session on it would otherwise keep
 * the old master, and its old login, for its host's next commands. Returns the call that takes it back.
 */
export function rideMaster(key: string, end: () => Promise<void>): () => void {
  const set = riders.get(key) ?? new Set();
  riders.set(key, set);
  set.add(end);
  return () => set.delete(end);
}

/**
 * playtree's own control folder for this run: a fresh 0700 folder in the temporary folder (no other user can
 * reach a master's socket there), removed as playtree exits.
 */
export function privateControlFolder(): string {
  privateFolder ??= mkdtempSync(join(tmpdir(), 'playtree-ssh-'));
  hookExit();
  return privateFolder;
}

/**
 * Open the master named `key` once: concurrent callers wait for the same opening; a failed opening is
 * forgotten (the next caller tries again). `master` says how to close it; it is recorded from the start, so
 * that a run interrupted while the master comes up still closes it, and dropped when `start` fails or says
 * the master is not ours (false: the user's own, already running), unless this run reset that key before.
 */
export async function openMaster(key: string, master: Master, start: () => Promise<boolean>): Promise<void> {
  const pending = opening.get(key);
  if (pending) return pending;
  if (up.has(key)) return;
  const closedByRun = resetByRun.has(key);
  masters.set(key, master);
  hookExit();
  const opened = start().then(
    (ours) => {
      opening.delete(key);
      up.add(key);
      if (!ours && !closedByRun) masters.delete(key);
    },
    (error: unknown) => {
      opening.delete(key);
      if (!closedByRun) masters.delete(key);
      throw error;
    },
  );
  opening.set(key, opened);
  await opened;
}

/**
 * Stop the master named `key` (`meta: reset_connection`): `stopArgv` (`ssh -O stop`) makes it take no new
 * session and go once the running ones end, and removes its socket, so that the next command opens a fresh
 * master. A host with no master (none opened yet, or no ControlPersist) is no error. The key stays on the
 * run's list (`master` says how to close it): the replacement is closed when the run ends, whoever opens it.
 */
export async function stopMaster(key: string, master: Master, stopArgv: string[]): Promise<void> {
  await opening.get(key)?.catch(() => undefined);
  await Promise.all([...(riders.get(key) ?? [])].map((end) => end()));
  up.delete(key);
  resetByRun.add(key);
  masters.set(key, master);
  hookExit();
  await new Promise<void>((resolve) => {
    const child = spawn(master.executable, stopArgv, { stdio: 'ignore' });
    child.once('error', () => resolve());
    child.once('close', () => resolve());
  });
}

/** The masters the run will close (their keys), for tests and -vvv lines. */
export function openMasterKeys(): string[] {
  return [...masters.keys()];
}

/** Close every master of the run with `ssh -O exit`, all at once; a master already gone is no error. */
export async function closeSshMasters(): Promise<void> {
  const closing = [...masters.values()];
  forgetMasters();
  await Promise.all(
    closing.map(
      (master) =>
        new Promise<void>((resolve) => {
          const child = spawn(master.executable, master.exitArgv, { stdio: 'ignore', detached: true });
          child.once('error', () => resolve());
          child.once('close', () => resolve());
        }),
    ),
  );
}

function closeSshMastersNow(): void {
  for (const master of masters.values()) spawnSync(master.executable, master.exitArgv, { stdio: 'ignore', timeout: 5000 });
  forgetMasters();
  removePrivateFolder();
}

/** Each master is closed once: a later command through a closed key opens (and registers) a new one. */
function forgetMasters(): void {
  masters.clear();
  up.clear();
  resetByRun.clear();
}

/** The private folder goes only as playtree exits: a connection made earlier may still name it. */
function removePrivateFolder(): void {
  if (privateFolder !== undefined) rmSync(privateFolder, { recursive: true, force: true });
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  // beforeExit comes again after the closing work; only a run that opened masters since does anything then.
  process.on('beforeExit', () => {
    if (masters.size > 0) void closeSshMasters();
  });
  process.once('exit', closeSshMastersNow);
}
