import { mkdirSync, readdirSync, readFileSync, realpathSync, unlinkSync, writeFileSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { COMMAND_GRACE_MS, childrenOf, signalAll, withDescendants } from './processTree.js';

/*
 * What a SIGKILLed playtree (or one ended by a second ^C) leaves running on a tree, and how the next run
 * stops it. SIGKILL gives playtree no chance to stop anything: a chroot command, a per-command
 * systemd-nspawn (whose container holds the tree's lock) or a persistent container still finishing its stop
 * runs on. So every such controller process is recorded while it runs, as a file in RECORDS named after
 * playtree and the process, holding the tree and how to stop it (a tmpfs: gone at reboot, as the processes
 * are), removed when the process ends. A record whose playtree is gone but
 * whose process still runs is a leftover: the next run on the same tree stops it before it starts its own.
 * Processes are named by pid AND start time, so a reused pid is never mistaken for a leftover.
 */

const RECORDS = '/run/playtree/commands';
/** How long a stale systemd-nspawn may take to stop after SIGTERM (it unmounts, releases its lock). */
export const NSPAWN_STOP_MS = 10_000;

/**
 * How a leftover is stopped: a chroot'ed shell and what it started get SIGTERM; a per-command systemd-nspawn
 * gets it for its container's processes; a persistent container stops by itself once its playtree is gone
 * (its leader gives the processes still running SIGTERM and three seconds first) and is only waited for, unless late:
 * signalling its leader too would tear it down before the command's traps have run.
 */
export type StopStyle = 'group' | 'nspawn' | 'container';
/** How long a persistent container may take to stop by itself (its leader's three seconds, and some). */
const CONTAINER_STOP_MS = 5000;

interface CommandRecord {
  tree: string;
  style: StopStyle;
}

/**
 * A process's start time (clock ticks since boot, /proc/PID/stat field 22), or undefined once it is gone:
 * exited, or a zombie (a killed playtree's child waits for its new parent to reap it, maybe for a while).
 */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' ? undefined : fields[19];
  } catch {
    return undefined;
  }
}

let self: string | undefined;
let folderMade = false;

/**
 * Record `pid` (just started, working on `tree`) until the function returned is called. Synchronous, a
 * few tens of µs on tmpfs: a record that fails to be written only loses the clean-up after a SIGKILL.
 */
export function recordCommand(pid: number | undefined, tree: string, style: StopStyle): () => void {
  const started = pid === undefined ? undefined : startTime(pid);
  if (started === undefined) return () => {};
  self ??= `${process.pid}.${startTime(process.pid)}`;
  const path = `${RECORDS}/${self}.${pid}.${started}`;
  try {
    if (!folderMade) mkdirSync(RECORDS, { recursive: true, mode: 0o700 });
    folderMade = true;
    writeFileSync(path, JSON.stringify({ tree, style } satisfies CommandRecord), { mode: 0o600 });
  } catch {
    return () => {};
  }
  return () => {
    try {
      unlinkSync(path);
    } catch {
      // Already gone.
    }
  };
}

/**
 * Stop what killed playtree runs left running on `tree` (see above), and forget records whose process is
 * gone. A record of a playtree that still runs is never touched: that run owns its commands.
 */
export async function stopStaleCommands(tree: string): Promise<void> {
  const names = readFolder(RECORDS);
  if (names.length === 0) return;
  const canonical = realTree(tree);
  // This run's own records (its other hosts' containers) need no look at /proc.
  self ??= `${process.pid}.${startTime(process.pid)}`;
  const stops: Array<Promise<void>> = [];
  for (const name of names) {
    if (name.startsWith(`${self}.`)) continue;
    const [ownerPid, ownerStart, pid, start] = name.split('.');
    if (startTime(Number(ownerPid)) === ownerStart) continue;
    const path = `${RECORDS}/${name}`;
    if (startTime(Number(pid)) !== start) {
      stops.push(unlink(path).catch(() => undefined));
      continue;
    }
    const record = parseRecord(readText(path));
    if (record.tree === undefined || realTree(record.tree) !== canonical) continue;
    stops.push(stopLeftover(Number(pid), start!, record.style ?? 'group').then(() => unlink(path).catch(() => undefined)));
  }
  await Promise.all(stops);
}

/*
 * Synchronous: a few metadata calls on tmpfs and /proc cost microseconds, where each call through Node's
 * thread pool costs tens of them, and every host's first task runs this scan.
 */
function readFolder(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function realTree(tree: string): string {
  try {
    return realpathSync(tree);
  } catch {
    return tree;
  }
}

/** A record's content; a damaged one (a full disk) names no tree and is left alone. */
function parseRecord(text: string): Partial<CommandRecord> {
  try {
    return JSON.parse(text) as Partial<CommandRecord>;
  } catch {
    return {};
  }
}

/**
 * SIGTERM first to what runs in the tree (the command's traps remove its temporary files), then, after
 * COMMAND_GRACE_MS, SIGKILL; a systemd-nspawn gets SIGTERM last (it kills what is left of its container,
 * unmounts and releases the tree's lock). Resolves once the process is gone.
 */
async function stopLeftover(pid: number, start: string, style: StopStyle): Promise<void> {
  const alive = () => startTime(pid) === start;
  if (style === 'container' && (await gone(alive, CONTAINER_STOP_MS))) return;
  const inTree = () => (style === 'group' ? withDescendants(pid) : childrenOf(pid).flatMap(withDescendants));
  signalAll(inTree(), 'SIGTERM');
  if (!(await gone(alive, COMMAND_GRACE_MS))) signalAll(inTree(), 'SIGKILL');
  if (style !== 'group') {
    signalAll([pid], 'SIGTERM');
    if (!(await gone(alive, NSPAWN_STOP_MS))) signalAll([pid], 'SIGKILL');
  }
  await gone(alive, NSPAWN_STOP_MS);
}

/** Poll until `alive()` is false (true) or `ms` passed (false). Not our child: no exit event to wait for. */
async function gone(alive: () => boolean, ms: number): Promise<boolean> {
  for (let waited = 0; alive(); waited += 50) {
    if (waited >= ms) return false;
    await sleep(50);
  }
  return true;
}
