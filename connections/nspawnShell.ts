import { closeSync, constants, fchownSync, fstatSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { shellJoin } from '../src/core/shellQuote.js';
import { fifoSocket, openFolderNoFollow, refuseLinks } from './nspawnControlFiles.js';
import { SHELL_DIR } from './nspawnArgv.js';
import type { RunningContainer } from './nspawnContainer.js';
import { trackRunningCommand } from './openConnections.js';
import { childrenOf, signalAll, stopWithGrace, withDescendants } from './processTree.js';
import { keptOutput, OutputKeeper } from './outputKeeper.js';
import { pipeInto, stopReadingWhenQuiet, type TreeRunOptions, type TreeRunResult } from './treeProcess.js';

/*
 * The persistent container's command channel. A shell inside the container (SHELL_SERVER_SCRIPT, started by
 * the leader, so it has nspawn's seccomp filter, cgroup, capabilities and environment) takes one request per
 * line and forks a subshell per command. The command's stdin, stdout and stderr are FIFOs in the container's
 * /run/playtree, which playtree opens from the controller through /proc/LEADER/root. A command therefore
 * costs one fork inside the container, where entering it costs setpriv, nsenter and a shell started from
 * playtree's own (large) process.
 *
 * FIFOs are reused while that is safe: an stdout/stderr pair whose readers saw EOF has no writer left; a
 * pair left open by a background job, and every stdin FIFO once used, are removed (a job holding them must
 * never see a later command's bytes).
 */

const { O_RDONLY, O_RDWR, O_WRONLY, O_NONBLOCK, O_NOFOLLOW, O_CREAT, O_EXCL } = constants;
/** FIFOs made per request to the server (one mkfifo in the container for this many commands). */
const FIFO_BATCH = 32;

export class ContainerShell {
  /** fd of the container's SHELL_DIR; control files are reached as /proc/self/fd/FD/NAME. */
  private readonly folderFd: number;
  private readonly requests: Socket;
  private readonly lines: string[] = [];
  private readonly waiting: Array<{ resolve: (line: string) => void; reject: (error: Error) => void }> = [];
  private partial = '';
  private ended: Error | undefined;
  /** Commands run one after another: the server reads its next request only when a command has ended. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly outputPairs: string[] = [];
  private readonly inputs: string[] = [];
  private made = 0;
  private commands = 0;

  /** The container's root as the controller sees it (the leader made SHELL_DIR): another under --private-users. */
  private readonly root: { uid: number; gid: number };

  constructor(private readonly container: RunningContainer) {
    this.folderFd = openFolderNoFollow(`/proc/${container.leaderPid}/root`, SHELL_DIR);
    const { uid, gid } = fstatSync(this.folderFd);
    this.root = { uid, gid };
    // Read-write: opening never waits for the server, and the server never sees EOF between requests.
    this.requests = fifoSocket(this.openFifo(`${SHELL_DIR}/requests`, O_RDWR | O_NONBLOCK), 'write');
    this.requests.on('error', (error) => this.end(error));
    this.requests.unref();
    container.output.on('data', (chunk: Buffer) => this.receive(chunk.toString('utf8')));
    container.output.once('close', () => this.end(new Error('the container stopped')));
  }

  /** Run `script` with positional parameters `args` in a fresh subshell, as `sh -c script _ args...` would. */
  run(script: string, args: readonly string[], io: TreeRunOptions = {}): Promise<TreeRunResult> {
    const job = this.queue.then(() => this.runNow(script, args, io));
    this.queue = job.catch(() => undefined);
    return job;
  }

  private async runNow(script: string, args: readonly string[], io: TreeRunOptions): Promise<TreeRunResult> {
    if (this.ended) throw this.ended;
    this.container.keepAlive(true);
    try {
      await this.makeFifos(io.stdin !== undefined);
      return await this.exchange(script, args, io);
    } finally {
      this.container.keepAlive(false);
    }
  }

  private async exchange(script: string, args: readonly string[], io: TreeRunOptions): Promise<TreeRunResult> {
    const id = ++this.commands;
    const pair = this.outputPairs.pop()!;
    const input = io.stdin === undefined ? undefined : this.inputs.pop()!;
    const scriptPath = `${SHELL_DIR}/${id}.sh`;
    // unset: the server's one variable the subshell still holds; set +f is done by the server.
    this.writeNew(scriptPath, `unset pt_f\nset -- ${shellJoin([...args])}\n${script}\n`);
    // Opened before the request, without waiting: the subshell's own opens then return at once. Reading
    // starts only after `R`, when the writers are there (a FIFO without writers reads as EOF).
    const outFd = this.openFifo(`${pair}.out`, O_RDONLY | O_NONBLOCK);
    const errFd = this.openFifo(`${pair}.err`, O_RDONLY | O_NONBLOCK);
    const stdin = input === undefined ? undefined : fifoSocket(this.openFifo(input, O_RDWR | O_NONBLOCK), 'write');
    let streamError: Error | undefined;
    let started = false;
    const stop = (error: Error) => {
      streamError ??= error;
      if (started) this.signalCommand('SIGKILL');
    };
    // Closed only once the subshell has opened its end too: a FIFO with no fd open anywhere loses its bytes.
    const written = stdin ? feed(stdin, io.stdin!, stop) : Promise.resolve();
    this.requests.write(`X ${id} ${input ?? '-'} ${pair}.out ${pair}.err ${scriptPath}\n`);

    const removeLater = [scriptPath, ...(input ? [input] : [])];
    let first: string;
    try {
      first = await this.nextLine();
    } catch (error) {
      stdin?.destroy();
      closeSync(outFd);
      closeSync(errFd);
      throw error;
    }
    if (first.startsWith('E ')) {
      // The subshell could not open its FIFOs: nothing ran.
      stdin?.destroy();
      closeSync(outFd);
      closeSync(errFd);
      this.remove(removeLater);
      throw new Error(`the container's shell could not open the command's pipes (exit ${first.split(' ')[2]})`);
    }
    started = true;
    if (streamError) this.signalCommand('SIGKILL');
    // An interrupted playtree stops the command before the container (SIGTERM first: its traps remove
    // temporary files in the tree).
    let ended!: () => void;
    const endedPromise = new Promise<void>((resolve) => (ended = resolve));
    const untrack = trackRunningCommand(() => stopWithGrace((signal) => this.signalCommand(signal), endedPromise, () => stdin?.destroy()));
    void written.then(() => stdin?.destroy());

    const stdout = fifoSocket(outFd, 'read');
    const stderr = fifoSocket(errFd, 'read');
    const stdoutKept = new OutputKeeper(io.keepOutput);
    const stderrKept = new OutputKeeper(io.keepOutput);
    let eofs = 0;
    const sawEnd = () => (eofs += 1);
    stdout.once('end', sawEnd);
    stderr.once('end', sawEnd);
    const sinkDone = io.stdout ? pipeInto(stdout, io.stdout, stop) : Promise.resolve();
    if (!io.stdout) stdout.on('data', (chunk: Buffer) => stdoutKept.add(chunk));
    stderr.on('data', (chunk: Buffer) => stderrKept.add(chunk));
    const closed = Promise.all([stdout, stderr].map((socket) => new Promise<void>((resolve) => socket.once('close', () => resolve()))));

    let rc: number;
    try {
      rc = Number((await this.nextLine()).split(' ')[2]);
    } catch {
      // The container stopped under the command (a task killed its leader, or it was stopped): the command
      // was killed with it, as a per-command container's would be. The next command gets a fresh container.
      rc = 128 + 9;
    }
    ended();
    untrack();
    // A command that exits without reading all its stdin: the rest is not its business.
    stdin?.destroy();
    // Both at their end already (the usual case): nothing left to wait for, they close by themselves.
    if (!io.stdout && eofs < 2) stopReadingWhenQuiet([stdout, stderr], closed);
    await closed;
    await sinkDone;
    if (eofs === 2) this.outputPairs.push(pair);
    else removeLater.push(`${pair}.out`, `${pair}.err`);
    this.remove(removeLater);
    return {
      rc,
      ...keptOutput(stdoutKept, stderrKept),
      ...(streamError ? { streamError } : {}),
    };
  }

  /** True once the container's command server is gone (the container stopped). */
  get stopped(): boolean {
    return this.ended !== undefined;
  }

  /** Enough FIFOs for the next command, made by the server in one request when there are none left. */
  private async makeFifos(needInput: boolean): Promise<void> {
    if (this.outputPairs.length > 0 && (!needInput || this.inputs.length > 0)) return;
    const pairs: string[] = [];
    const inputs: string[] = [];
    for (let i = 0; i < FIFO_BATCH; i++) {
      const n = ++this.made;
      pairs.push(`${SHELL_DIR}/o${n}`);
      inputs.push(`${SHELL_DIR}/i${n}`);
    }
    this.requests.write(`F ${pairs.flatMap((pair) => [`${pair}.out`, `${pair}.err`]).join(' ')} ${inputs.join(' ')}\n`);
    const answer = await this.nextLine();
    if (answer !== 'M 0') throw new Error(`the container's shell could not make its FIFOs in ${SHELL_DIR} (${answer})`);
    this.outputPairs.push(...pairs);
    this.inputs.push(...inputs);
  }

  /**
   * Signal the running command and everything it started, seen from the controller: the server's children
   * and their descendants. SIGKILL stops a transfer whose source failed (it must not see EOF and carry on);
   * SIGTERM lets an interrupted command's traps run.
   */
  private signalCommand(signal: NodeJS.Signals): void {
    for (const server of childrenOf(this.container.shellPid)) signalAll(childrenOf(server).flatMap(withDescendants), signal);
  }

  /**
   * Synchronous: unlinking a file of the container's /run takes microseconds, less than the promise and
   * thread-pool round trip of fs/promises (two or three files per command).
   */
  private remove(insidePaths: readonly string[]): void {
    for (const path of insidePaths) {
      try {
        unlinkSync(this.controlPath(path));
      } catch {
        // Already gone (the container stopped, or its /run was cleaned): nothing to remove.
      }
    }
  }

  /** The controller's path of a control file SHELL_DIR/NAME: through the folder fd, never a symlink. */
  private controlPath(insidePath: string): string {
    const name = insidePath.slice(SHELL_DIR.length + 1);
    if (!insidePath.startsWith(`${SHELL_DIR}/`) || name.includes('/')) throw new Error(`not a control file: ${insidePath}`);
    return `/proc/self/fd/${this.folderFd}/${name}`;
  }

  /** Open a control FIFO without following a symlink; anything but a FIFO there is refused. */
  private openFifo(insidePath: string, flags: number): number {
    const fd = refuseLinks(insidePath, () => openSync(this.controlPath(insidePath), flags | O_NOFOLLOW));
    if (!fstatSync(fd).isFIFO()) {
      closeSync(fd);
      throw new Error(`the container's ${insidePath} is not a FIFO (replaced inside the container?)`);
    }
    return fd;
  }

  /** Create a new control file (a command's script): never through a symlink, never over something there. */
  private writeNew(insidePath: string, text: string): void {
    const fd = refuseLinks(insidePath, () => openSync(this.controlPath(insidePath), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600));
    try {
      // 0600 for the container's root, which is not the controller's root in a user namespace.
      if (this.root.uid !== 0 || this.root.gid !== 0) fchownSync(fd, this.root.uid, this.root.gid);
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
  }

  private receive(text: string): void {
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop()!;
    for (const line of parts) {
      const waiter = this.waiting.shift();
      if (waiter) waiter.resolve(line);
      else this.lines.push(line);
    }
  }

  private nextLine(): Promise<string> {
    const line = this.lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (this.ended) return Promise.reject(this.ended);
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  private end(error: Error): void {
    const first = this.ended === undefined;
    this.ended ??= error;
    for (const waiter of this.waiting.splice(0)) waiter.reject(this.ended);
    this.requests.destroy();
    if (first) closeSync(this.folderFd);
  }
}

/**
 * Send `source` into the command's stdin FIFO; resolves once every byte is in it. A failing source stops
 * the command instead of ending its input (it never resolves then).
 */
function feed(stdin: Socket, source: Buffer | string | Readable, stop: (error: Error) => void): Promise<void> {
  // A command that exits without reading everything: the pending bytes are dropped when the socket goes.
  stdin.on('error', () => {});
  return new Promise((resolve) => {
    if (typeof source === 'string' || Buffer.isBuffer(source)) {
      stdin.write(source, () => resolve());
      return;
    }
    source.once('error', (error: Error) => stop(error));
    source.once('end', () => stdin.write('', () => resolve()));
    source.pipe(stdin, { end: false });
  });
}
