import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { LEADER_READY, LEADER_STOP } from './nspawnArgv.js';
import { childrenOf } from './processTree.js';
import { recordCommand } from './staleCommands.js';
import { locateProgram } from './treeChecks.js';

/*
 * The persistent mode's container: started once (systemd-nspawn running the leader script), shared by the
 * connections that would start the very same one, stopped by the last of them.
 */

/** A running systemd-nspawn container whose PID 1 commands enter with nsenter. */
export interface RunningContainer {
  /** Host PID of the container's PID 1 (nspawn's stub init). */
  leaderPid: number;
  /** The container's capability bounding set, hex as in /proc/PID/status. */
  capBnd: string;
  /** Host PID of the leader's shell (PID 2), parent of the command server (nspawnShell.ts). */
  shellPid: number;
  /** The environment nspawn gave the leader's shell (PATH, container=..., container_uuid...). */
  environment: Record<string, string>;
  /** The leader's stdout after its ready line: the command server's answers. */
  output: Readable;
  /** While true, waiting for `output` keeps playtree running (between commands it must not). */
  keepAlive(on: boolean): void;
  /** True until systemd-nspawn exits. */
  running(): boolean;
  /** Stop the container and wait until nspawn has exited (its mounts gone, its tree lock released). */
  stop(): Promise<void>;
}

/** How long a container may take to stop after its leader was told to, before SIGTERM, then SIGKILL. */
const STOP_GRACE_MS = 10_000;
const START_TIMEOUT_MS = 60_000;

/**
 * Start `argv` (systemd-nspawn running the leader script) and wait for the leader's ready line.
 * Rejects with nspawn's own stderr when the container does not come up (tree busy, bad arguments...).
 */
export function startContainer(argv: readonly string[], tree: string): Promise<RunningContainer> {
  const [file, ...args] = argv as [string, ...string[]];
  // Detached: a terminal's ^C goes to playtree's process group only; playtree then stops the container itself.
  // By the path found once per run (a bare name is tried with execve in every PATH folder); argv[0] unchanged.
  const nspawn = spawn(locateProgram(file) ?? file, args, { argv0: file, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  // A SIGKILLed playtree's container stops by itself, but the next run may start before it is done.
  const unrecord = recordCommand(nspawn.pid, tree, 'container');
  const exited = new Promise<void>((resolve) => nspawn.once('close', () => resolve()));
  void exited.then(unrecord);
  let stderr = '';
  nspawn.stderr!.on('data', (chunk: Buffer) => {
    if (stderr.length < 64 * 1024) stderr += chunk.toString('utf8');
  });
  nspawn.stdin!.on('error', () => {});

  return new Promise((resolve, reject) => {
    let stdout = '';
    const fail = (reason: string) => {
      clearTimeout(timer);
      void stopProcess(nspawn, exited);
      reject(new Error(reason));
    };
    const timer = setTimeout(() => fail(`the container did not start within ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS);
    nspawn.once('error', (error) => fail(error.message));
    nspawn.once('exit', (code, signal) => {
      const said = stderr.trim().split('\n').filter(Boolean).join('; ');
      fail(`systemd-nspawn exited (${signal ?? `code ${code}`}) before the container was ready${said ? `: ${said}` : ''}`);
    });
    nspawn.stdout!.on('data', function onData(chunk: Buffer) {
      stdout += chunk.toString('utf8');
      if (!stdout.includes(`${LEADER_READY}\n`)) return;
      nspawn.stdout!.off('data', onData);
      nspawn.stdout!.resume();
      // A forgotten container must not keep playtree alive: when playtree exits, the leader's stdin closes
      // and the container stops by itself.
      for (const handle of handlesOf(nspawn)) handle?.unref?.();
      clearTimeout(timer);
      nspawn.removeAllListeners('exit');
      describeLeader(nspawn.pid!).then(
        (leader) =>
          resolve({
            ...leader,
            output: nspawn.stdout!,
            keepAlive: (on) => (on ? (nspawn.stdout as Socket).ref() : (nspawn.stdout as Socket).unref()),
            running: () => nspawn.exitCode === null && nspawn.signalCode === null,
            stop: () => stopProcess(nspawn, exited),
          }),
        (error: Error) => fail(`cannot find the container's processes: ${error.message}`),
      );
    });
  });
}

/** The container's PID 1 is the child of nspawn whose PID inside its own namespace is 1. */
async function describeLeader(nspawnPid: number): Promise<Pick<RunningContainer, 'leaderPid' | 'shellPid' | 'capBnd' | 'environment'>> {
  const children = childrenOf(nspawnPid);
  for (const pid of children) {
    const status = readStatus(pid);
    const nsPids = /^NSpid:\s+(.*)$/m.exec(status)?.[1]?.trim().split(/\s+/) ?? [];
    if (nsPids.length < 2 || nsPids.at(-1) !== '1') continue;
    const capBnd = /^CapBnd:\s+([0-9a-f]+)$/m.exec(status)?.[1] ?? '0';
    // The leader's shell (PID 2 under --as-pid2) holds the environment nspawn built for the payload.
    const [shellPid] = childrenOf(pid);
    if (shellPid === undefined) throw new Error(`the container's PID 1 (pid ${pid}) has no shell`);
    const environ = readFileSync(`/proc/${shellPid}/environ`, 'utf8');
    return { leaderPid: pid, shellPid, capBnd, environment: parseEnviron(environ) };
  }
  throw new Error(`no child of systemd-nspawn (pid ${nspawnPid}) is a container's PID 1`);
}

/** /proc/PID/status, or '' once the process is gone. */
function readStatus(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return '';
  }
}

export function parseEnviron(text: string): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const entry of text.split('\0')) {
    const equals = entry.indexOf('=');
    if (equals > 0) environment[entry.slice(0, equals)] = entry.slice(equals + 1);
  }
  return environment;
}

/** Tell the leader to stop (it exits, nspawn cleans up); escalate only if nspawn does not finish. */
async function stopProcess(nspawn: ChildProcess, exited: Promise<void>): Promise<void> {
  // Waiting for the stop must keep playtree alive (start unref'd them).
  for (const handle of handlesOf(nspawn)) handle?.ref?.();
  if (nspawn.exitCode !== null || nspawn.signalCode !== null) return exited;
  nspawn.stdin?.end(`${LEADER_STOP}\n`);
  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    const timer = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), STOP_GRACE_MS).unref());
    if ((await Promise.race([exited.then(() => 'done' as const), timer])) === 'done') return;
    // SIGTERM makes nspawn kill the container's PID 1 and unmount; SIGKILL is the last resort.
    nspawn.kill(signal);
  }
  await exited;
}

function handlesOf(nspawn: ChildProcess): Array<{ ref?: () => void; unref?: () => void } | null> {
  return [nspawn, nspawn.stdin, nspawn.stdout, nspawn.stderr] as Array<{ ref?: () => void; unref?: () => void } | null>;
}

/*
 * One container per tree within a playtree run: connections that would start the very same container
 * (same tree, same systemd-nspawn arguments) share it instead of failing on its lock, e.g. a second
 * connection for another `ansible_user`, or two inventory names for one tree. The last one out stops it.
 */

/** What a lease needs of a container: a local one (RunningContainer) or one on a build host (carriedContainer.ts). */
interface Stoppable {
  running(): boolean;
  stop(): Promise<void>;
}

interface Shared {
  container: Promise<Stoppable>;
  users: number;
}

const shared = new Map<string, Shared>();

/** A lease on a running container: `release` stops it once no other connection holds it. */
export interface ContainerLease<C extends Stoppable = RunningContainer> {
  container: C;
  release: () => Promise<void>;
}

/**
 * The running container for `key`, or a new one from `start` (called only when none runs; `start` checks
 * preconditions and the tree's lock itself).
 */
export async function leaseContainer<C extends Stoppable = RunningContainer>(key: string, start: () => Promise<C>): Promise<ContainerLease<C>> {
  let entry = shared.get(key);
  if (entry && !(await entry.container.then((c) => c.running(), () => false))) {
    if (shared.get(key) === entry) shared.delete(key);
    entry = undefined;
  }
  entry ??= shared.get(key);
  if (!entry) {
    entry = { container: start(), users: 0 };
    shared.set(key, entry);
  }
  const current = entry;
  current.users += 1;
  let container: C;
  try {
    container = (await current.container) as C;
  } catch (error) {
    current.users -= 1;
    if (shared.get(key) === current) shared.delete(key);
    throw error;
  }
  let released = false;
  return {
    container,
    release: async () => {
      if (released) return;
      released = true;
      current.users -= 1;
      if (current.users > 0) return;
      if (shared.get(key) === current) shared.delete(key);
      await container.stop();
    },
  };
}
