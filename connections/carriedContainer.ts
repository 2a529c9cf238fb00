import { PassThrough, Writable } from 'node:stream';
import { shellJoin } from '../src/core/shellQuote.js';
import { within } from '../src/core/within.js';
import type { CarriedBuildHost } from './carriedBuildHost.js';
import { endableInput, quietPipe } from './carrierInput.js';
import type { ExecResult } from './connection.js';
import { LEADER_STOP } from './nspawnArgv.js';
import { trackRunningCommand } from './openConnections.js';
import { firstLine } from './outputKeeper.js';
import { stopWithGrace } from './processTree.js';
import type { TreeRunOptions, TreeRunResult } from './treeProcess.js';
import { EXEC_SCRIPT, IO_DIR, MKFIFOS_SCRIPT, NSPAWN_GONE_SCRIPT, SIGNAL_SCRIPT, START_SCRIPT, WRAPPER_MARK } from './viaContainerScripts.js';
import { MKFIFO_SCRIPT, UNBLOCK_SCRIPT, WRAPPER_FAILED } from './viaScripts.js';

/*
 * The persistent nspawn container on a tree reached through `playtree_via`. One long carrier exec starts
 * systemd-nspawn on the build host (START_SCRIPT) and keeps its stdin open as the leader's lifeline; its
 * ready line comes back through a FIFO read with the carrier's fetch. Each command is then ONE carrier exec
 * (EXEC_SCRIPT): a wrapper on the build host hands the command to the container's command server and relays
 * its stdin, stdout and stderr; a fetch's stdout is read by the controller straight from the command's FIFO.
 * A command is stopped, and a container's end waited for, with more execs (SIGNAL_SCRIPT, NSPAWN_GONE_SCRIPT).
 */

/** FIFOs are made this many commands at a time, one batch ahead (a fetch reads its FIFO before its exec). */
const FIFO_BATCH = 8;
const START_TIMEOUT_MS = 60_000;
/** How long a stopping container may take before systemd-nspawn is signalled (NSPAWN_GONE_SCRIPT). */
const STOP_WAIT_MS = 10_000;
let containers = 0;

/** Host pids on the build host, from START_SCRIPT's ready line. */
interface Pids {
  nspawn: number;
  shell: number;
  holder: number;
}

const fifoNames = (from: number, to: number) =>
  Array.from({ length: Math.max(0, to - from + 1) }, (_unused, index) => ['in', 'out', 'err', 'rc'].map((kind) => `${from + index}.${kind}`)).flat();

/** The container had stopped before the command could start: the command never ran. */
export class ContainerGone extends Error {
  override name = 'ContainerGone';
}

export class CarriedContainer {
  private ended = false;
  /** Commands run one after another, as the command server runs them. */
  private queue: Promise<unknown> = Promise.resolve();
  private commands = 0;
  /** The FIFOs of commands 1..made exist. */
  private made = 2 * FIFO_BATCH;
  /** Files of ended commands, removed by a later wrapper a batch at a time. */
  private readonly used: string[] = [];
  private stopping: Promise<void> | undefined;
  private readonly untrack: () => void;

  private constructor(
    private readonly host: CarriedBuildHost,
    private readonly io: string,
    private readonly pids: Pids,
    private readonly lifeline: PassThrough,
    private readonly started: Promise<ExecResult | undefined>,
  ) {
    void started.then(() => (this.ended = true));
    // An interrupted run: the lifeline ends without `stop`, as when playtree dies: the leader gives what
    // runs in the container SIGTERM and up to three seconds (a command's traps run) before the container
    // stops. The carrier may have killed the command's wrapper already: its end is not the command's.
    this.untrack = trackRunningCommand(() => {
      this.lifeline.end();
      return this.queue.then(() => this.stop());
    });
  }

  /** Start systemd-nspawn with `argvFor(bind)` on the build host; rejects with nspawn's own words when it fails. */
  static async start(host: CarriedBuildHost, argvFor: (bind: string) => string[]): Promise<CarriedContainer> {
    const io = `${await host.temporaryFolder()}/c${++containers}`;
    const ready = `${io}.ready`;
    const made = await host.send(MKFIFO_SCRIPT, [ready]);
    if (made.rc !== 0) throw new Error(`could not make a FIFO${host.where}: ${firstLine(made.stderr) || `exit code ${made.rc}`}`);
    const lifeline = quietPipe();
    const argv = [io, ready, fifoNames(1, 2 * FIFO_BATCH).join(' '), ...argvFor(`--bind-ro=${io}:${IO_DIR}`)];
    // Stopped by this class alone (its lifeline ends on an interrupt, then stop() waits for systemd-nspawn):
    // the carrier's own stop would SIGKILL a systemd-nspawn still tearing its container down, leaving its lock.
    const started = host.carrier.exec(`set -- ${shellJoin(argv)}\n${START_SCRIPT}`, { stdin: lifeline, keepOutput: 64 * 1024, stopsItself: true });
    const exited = started.then(
      (result) => result,
      () => undefined,
    );
    let text = '';
    const sink = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        text += chunk.toString('utf8');
        done();
      },
    });
    const fetched = host.carrier.fetch(ready, sink).then(
      () => 'ready' as const,
      () => 'lost' as const,
    );
    const outcome = await within(Promise.race([fetched, exited.then(() => 'ended' as const)]), START_TIMEOUT_MS);
    const [word, nspawn, , shell, holder] = text.trim().split(/\s+/).map((field, index) => (index === 0 ? field : Number(field))) as [string, ...number[]];
    if (outcome === 'ready' && word === 'ready' && shell && holder && nspawn) {
      return new CarriedContainer(host, io, { nspawn, shell, holder }, lifeline, exited);
    }
    // Not up: whatever was started goes, and nspawn's own words say why.
    if (outcome !== 'ready') void host.send(UNBLOCK_SCRIPT, [ready]).catch(() => undefined);
    lifeline.end();
    const result = await within(exited, STOP_WAIT_MS);
    await host.send(NSPAWN_GONE_SCRIPT, [io]).catch(() => undefined);
    if (outcome === undefined) throw new Error(`the container did not start within ${START_TIMEOUT_MS / 1000} s`);
    const said = result ? result.stderr.toString('utf8').trim().split('\n').filter(Boolean).join('; ') : '';
    throw new Error(`systemd-nspawn ended before the container was ready${said ? `: ${said}` : result ? ` (exit code ${result.rc})` : ''}`);
  }

  /** True until the container is known to have stopped (its holder on the build host ended). */
  running(): boolean {
    return !this.ended && this.stopping === undefined;
  }

  /** Run `script` with positional parameters `args` in a fresh subshell of the command server. */
  run(script: string, args: readonly string[], io: TreeRunOptions = {}): Promise<TreeRunResult> {
    const job = this.queue.then(() => this.runNow(script, args, io));
    this.queue = job.catch(() => undefined);
    return job;
  }

  private async runNow(script: string, args: readonly string[], io: TreeRunOptions): Promise<TreeRunResult> {
    if (!this.running()) throw new ContainerGone('the container stopped');
    const n = ++this.commands;
    const streamed = io.stdout !== undefined;
    const { make, remove } = await this.fifosFor(n, streamed);
    const text = `unset pt_f\nset -- ${shellJoin([...args])}\n${script}`;
    const argv = [this.io, `/proc/${this.pids.holder}/fd/7`, String(n), io.stdin === undefined ? '-' : 'in', streamed ? '-' : 'out'];
    argv.push(make, remove, text);

    let streamError: Error | undefined;
    // SIGTERM: what runs in the container (its traps remove temporary files); SIGKILL: the wrapper too.
    const signal = (name: NodeJS.Signals) => {
      const wrapper = name === 'SIGKILL' ? `${this.io}/${n}.pid` : '-';
      void this.host.send(SIGNAL_SCRIPT, [String(this.pids.shell), name.replace(/^SIG/, ''), wrapper]).catch(() => undefined);
    };
    const stop = (error: Error) => {
      streamError ??= error;
      signal('SIGKILL');
    };
    const { source, endInput } = endableInput(io.stdin, stop);
    let markEnded!: () => void;
    const exited = new Promise<void>((resolve) => (markEnded = resolve));
    const untrack = trackRunningCommand(() => stopWithGrace(signal, exited, endInput));
    const out = `${this.io}/${n}.out`;
    const reading = streamed ? this.host.carrier.fetch(out, io.stdout!).catch((error: Error) => stop(error)) : undefined;
    try {
      const result = await this.host.carrier.exec(`set -- ${shellJoin(argv)}\n${EXEC_SCRIPT}`, {
        ...(source === undefined ? {} : { stdin: source }),
        ...(io.keepOutput === undefined ? {} : { keepOutput: io.keepOutput }),
      });
      const failure = result.rc === WRAPPER_FAILED ? result.stderr.toString('utf8').split('\n').find((line) => line.startsWith(WRAPPER_MARK)) : undefined;
      if (failure !== undefined) {
        if (reading) await this.host.send(UNBLOCK_SCRIPT, [out]).catch(() => undefined);
        this.made = Math.min(this.made, n);
        const reason = failure.slice(WRAPPER_MARK.length).trim();
        if (!reason.includes('(the container stopped)')) throw new Error(reason);
        this.ended = true;
        throw new ContainerGone(reason);
      }
      await reading;
      return { ...result, ...(streamError ? { streamError } : {}) };
    } catch (error) {
      if (reading) void this.host.send(UNBLOCK_SCRIPT, [out]).catch(() => undefined);
      if (streamError) return { rc: 137, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), streamError };
      throw error;
    } finally {
      markEnded();
      untrack();
      this.used.push(...['in', 'out', 'err', 'rc', 'sh', 'pid'].map((kind) => `${n}.${kind}`));
    }
  }

  /**
   * The wrapper's FIFO names to make (a batch ahead) and ended commands' files to remove (a batch at a
   * time), `-` for none. A fetch opens its FIFO before its wrapper runs: one its batch lacks is made first.
   */
  private async fifosFor(n: number, streamed: boolean): Promise<{ make: string; remove: string }> {
    if (n > this.made && streamed) {
      await this.host.send(MKFIFOS_SCRIPT, [this.io, ...fifoNames(n, n + FIFO_BATCH)]);
      this.made = n + FIFO_BATCH;
    }
    const make = this.made < n + FIFO_BATCH ? fifoNames(Math.max(this.made + 1, n), n + 2 * FIFO_BATCH - 1) : [];
    if (make.length > 0) this.made = n + 2 * FIFO_BATCH - 1;
    const remove = this.used.length >= 6 * FIFO_BATCH ? this.used.splice(0) : [];
    return { make: make.join(' ') || '-', remove: remove.join(' ') || '-' };
  }

  /**
   * Say `stop` on the leader's lifeline and wait until systemd-nspawn has exited on the build host (its
   * mounts gone, the tree's lock released); signal it there if it does not go in time.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.untrack();
      if (!this.lifeline.writableEnded) this.lifeline.end(`${LEADER_STOP}\n`);
      const result = await within(this.started, STOP_WAIT_MS);
      if (!result?.stdout.toString('utf8').includes('gone')) await this.host.send(NSPAWN_GONE_SCRIPT, [this.io]).catch(() => undefined);
    })();
    return this.stopping;
  }
}
