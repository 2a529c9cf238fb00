import { readdirSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';

/*
 * Controller processes seen through /proc: what a command started, and how to stop all of it. A shell's
 * children (cat, mv, a pipeline) outlive a kill of the shell alone, and would then finish their work (a
 * half-sent file) on an input that ended too early.
 */

/** How long a process gets after SIGTERM (its traps run: temporary files go) before SIGKILL. */
export const COMMAND_GRACE_MS = 2000;

/** The direct children of `pid` (of all its threads); none once it is gone. */
export function childrenOf(pid: number): number[] {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  return tasks.flatMap((task) => {
    try {
      return readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    } catch {
      return [];
    }
  });
}

/** `pid` and everything below it, parents first. */
export function withDescendants(pid: number): number[] {
  return [pid, ...childrenOf(pid).flatMap(withDescendants)];
}

/** Send `signal` to each of `pids`, skipping those already gone. */
export function signalAll(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

/**
 * Stop a running command: `signal('SIGTERM')` and `endInput()`, then `signal('SIGKILL')` if it has not
 * exited within COMMAND_GRACE_MS. Resolves once it exited (or was SIGKILLed). The input is ended because a
 * process the command starts after the signalled ones were listed (the `cat` of a transfer) gets no
 * SIGTERM, and the shell's trap waits for it: at end of input it ends, and the trap runs.
 */
export async function stopWithGrace(signal: (signal: NodeJS.Signals) => void, exited: Promise<unknown>, endInput: () => void): Promise<void> {
  signal('SIGTERM');
  endInput();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), COMMAND_GRACE_MS)));
  const outcome = await Promise.race([exited.then(() => 'exited' as const), late]);
  clearTimeout(timer);
  if (outcome === 'late') signal('SIGKILL');
}

/** A signal's number (SIGTERM is 15): a command killed by a signal reports 128 + it, as a shell does. */
export function signalNumber(signal: NodeJS.Signals | null | undefined): number {
  return signal ? (constants.signals[signal] ?? 0) : 0;
}
