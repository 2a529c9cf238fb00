import { PassThrough, Writable, type Readable } from 'node:stream';
import { ConnectionError } from '../src/core/errors.js';
import { shellJoin } from '../src/core/shellQuote.js';
import type { BuildHost } from './buildHost.js';
import type { Connection, ExecResult } from './connection.js';
import { closeAfterOthers, trackOpenConnection, trackRunningCommand, untrackOpenConnection } from './openConnections.js';
import { stopWithGrace } from './processTree.js';
import { describeHolder, parseHolder, shareTreeLock, TreeBusy, treeBusyError, treeLockSettings } from './runLock.js';
import { lockId, parseProcLocks } from './treeLock.js';
import { checkFailure, parseTreeCheck, type TreeIdentity } from './viaTreeCheck.js';
import type { TreeSettings } from './treeOptions.js';
import type { TreeCommand, TreeRunOptions, TreeRunResult } from './treeProcess.js';
import {
  CHECK_SCRIPT,
  HOLD_SCRIPT,
  IDENTIFY_SCRIPT,
  LOCK_BUSY,
  MKFIFO_SCRIPT,
  NSPAWN_LOCK_SCRIPT,
  RUN_SCRIPT,
  STOP_SCRIPT,
  UNBLOCK_SCRIPT,
  WRAPPER_FAILED,
} from './viaScripts.js';
import { endableInput } from './carrierInput.js';
import { firstLine } from './outputKeeper.js';
import { ViaRunFolder, type RunFolder } from './viaRunFolder.js';

/** How many ended commands' files are removed at once. */
const ENDED_BATCH = 32;

/*
 * A build host reached through another inventory host's connection (`playtree_via`), whatever its driver:
 * every operation is a shell command (viaScripts.ts) sent with the carrier's exec. A process's stdin is the
 * exec's stdin stream; a streamed stdout (a fetch) goes through a FIFO in a private temporary folder on the
 * build host, read with the carrier's fetch while the command writes it. A process is stopped with a
 * second exec that signals the pid its wrapper recorded (closing the carrier's pipe may not reach the far
 * side). The run lock is a long exec holding flock(1) there until the run ends. The run's folder there is
 * owned by a lifeline that dies with playtree, so that the next run stops what a SIGKILLed one left
 * (viaRunFolder.ts).
 */
export class CarriedBuildHost implements BuildHost {
  readonly where: string;
  private readonly runFolder: ViaRunFolder;
  private commands = 0;
  /** Each tree spelling's identity on the build host, found once. */
  private readonly identities = new Map<string, Promise<TreeIdentity>>();
  private readonly holders: Array<{ stdin: PassThrough; ended: Promise<unknown> }> = [];
  /** Pid files and FIFOs of commands that have ended, removed by a later command (see RUN_SCRIPT). */
  private readonly endedFiles: string[] = [];
  private closing: Promise<void> | undefined;

  constructor(
    readonly host: string,
    readonly carrier: Connection,
  ) {
    this.where = ` on build host ${host}`;
    this.runFolder = new ViaRunFolder((script, args, options) => this.send(script, args, options), this.where);
    trackOpenConnection(this);
  }

  /** Run `script` with positional parameters `args` on the build host. */
  send(script: string, args: readonly string[], options: { stdin?: Readable; stopsItself?: boolean } = {}): Promise<ExecResult> {
    return this.carrier.exec(`set -- ${shellJoin(args)}\n${script}`, { ...(options.stdin ? { stdin: options.stdin } : {}), ...(options.stopsItself ? { stopsItself: true } : {}) });
  }

  /** This run's private folder on the build host (removed by close()). */
  async temporaryFolder(): Promise<string> {
    return (await this.folder()).folder;
  }

  private folder(): Promise<RunFolder> {
    return this.runFolder.open();
  }

  async run(command: TreeCommand, io: TreeRunOptions): Promise<TreeRunResult> {
    const { folder } = await this.folder();
    const id = String(++this.commands);
    const pidFile = `${folder}/${id}.pid`;
    const fifo = `${folder}/${id}.out`;
    if (io.stdout) await this.expect(this.send(MKFIFO_SCRIPT, [fifo]), 'make a FIFO');
    const env = command.env ? ['env', '-i', ...Object.entries(command.env).map(([name, value]) => `${name}=${value ?? ''}`)] : [];
    // The files of ended commands go a batch at a time, with a later command: a long run leaves no pile.
    const ended = this.endedFiles.length >= ENDED_BATCH ? this.endedFiles.splice(0).join(' ') : '-';
    const stale = command.stop.wholeGroup ? 'group' : 'nspawn';
    const argv = [folder, id, io.stdout ? 'out' : '-', ended, stale, ...env, command.file, ...command.args];
    let streamError: Error | undefined;
    const signal = this.signaller(command, pidFile);
    const stop = (error: Error) => {
      streamError ??= error;
      signal(command.stop.signal);
    };
    const { source, endInput } = endableInput(io.stdin, stop);
    let markEnded!: () => void;
    const exited = new Promise<void>((resolve) => (markEnded = resolve));
    // As treeProcess.ts: SIGTERM to what runs in the tree first (its traps remove temporary files).
    const untrack = trackRunningCommand(() => stopWithGrace((name) => signal(name === 'SIGTERM' ? 'inside' : command.stop.signal), exited, endInput));
    const reading = io.stdout ? this.carrier.fetch(fifo, io.stdout).catch((error: Error) => stop(error)) : undefined;
    try {
      // Stopped by the line above, never by the carrier's own stop of its commands: that one SIGKILLs what
      // is left after its grace, and a per-command systemd-nspawn still tearing its container down would
      // leave its lock file in the tree.
      const result = await this.carrier.exec(`set -- ${shellJoin(argv)}\n${RUN_SCRIPT}`, {
        ...(source === undefined ? {} : { stdin: source }),
        ...(io.keepOutput === undefined ? {} : { keepOutput: io.keepOutput }),
        stopsItself: true,
      });
      // The command never opened its FIFO: the fetch waiting for it must end.
      if (reading && result.rc === WRAPPER_FAILED) await this.send(UNBLOCK_SCRIPT, [fifo]).catch(() => undefined);
      await reading;
      return { ...result, ...(streamError ? { streamError } : {}) };
    } catch (error) {
      if (reading) void this.send(UNBLOCK_SCRIPT, [fifo]).catch(() => undefined);
      if (streamError) return { rc: 137, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), streamError };
      throw error;
    } finally {
      markEnded();
      untrack();
      this.endedFiles.push(`${id}.pid`, ...(io.stdout ? [`${id}.out`] : []));
    }
  }

  /**
   * How to signal a running command through a second exec, as treeProcess.ts does locally: `command.stop`'s
   * signal to the process (and what is below it for a whole group); `inside` = SIGTERM to what runs below
   * the process only (a systemd-nspawn's container), or to the whole group.
   */
  private signaller(command: TreeCommand, pidFile: string): (signal: NodeJS.Signals | 'inside') => void {
    return (signal) => {
      const whom = command.stop.wholeGroup ? 'group' : signal === 'inside' ? 'inside' : 'leader';
      const name = signal === 'inside' ? 'TERM' : signal.replace(/^SIG/, '');
      void this.send(STOP_SCRIPT, [pidFile, name, whom]).catch(() => undefined);
    };
  }

  /**
   * What dead runs left on the build host (any tree: their runs are gone) is stopped once per run, as its
   * folder is made (viaRunScripts.ts).
   */
  async stopStaleCommands(): Promise<void> {
    await this.folder();
  }

  async checkTree(settings: TreeSettings, transport: string, programs: ReadonlyArray<[string, string]>): Promise<Map<string, string>> {
    const { tree } = settings;
    const names = programs.map(([name]) => name);
    const result = await this.expect(this.send(CHECK_SCRIPT, [tree, settings.shell, 'chroot', ...names]), 'check the tree');
    const { found, verdict, detail, canonical } = parseTreeCheck(result.stdout.toString('utf8'));
    if (verdict !== 'ok') throw checkFailure({ verdict, detail }, settings, transport, programs, this.host, firstLine(result.stderr));
    this.identities.set(tree, Promise.resolve({ id: detail, canonical: canonical! }));
    return found;
  }

  /**
   * The tree as the build host resolves it (the check's answer, else asked once): two spellings of one tree
   * (`/srv/t`, `/srv/t/`, a symlink) are one tree there, as on the controller.
   */
  private identify(tree: string): Promise<TreeIdentity> {
    let known = this.identities.get(tree);
    if (!known) {
      known = this.expect(this.send(IDENTIFY_SCRIPT, [tree]), `resolve tree ${tree}`).then((result) => {
        const { verdict, detail, canonical } = parseTreeCheck(result.stdout.toString('utf8'));
        if (verdict !== 'ok') throw new Error(`could not resolve tree ${tree}${this.where}: ${firstLine(result.stderr) || 'no answer'}`);
        return { id: detail, canonical: canonical! };
      });
      this.identities.set(tree, known);
      known.catch(() => this.identities.delete(tree));
    }
    return known;
  }

  async realTree(tree: string): Promise<string> {
    return (await this.identify(tree)).canonical;
  }

  /**
   * This run's lock on the tree, shared by every way the run reaches it (runLock.ts's shareTreeLock, keyed by
   * the build host's kernel and the tree's DEV:INO there): its spellings, other names of this build host, and
   * the controller's own trees when the build host is the controller.
   */
  async lockTree(host: string, tree: string, log: (verbosity: number, message: string) => void): Promise<void> {
    if (!treeLockSettings().enabled) return;
    const [{ id, canonical }, { kernel }] = await Promise.all([this.identify(tree), this.folder()]).catch((error: Error) => {
      throw new ConnectionError(`${host}: ${error.message}`, host);
    });
    try {
      await shareTreeLock(`${kernel}:${id}`, () => this.holdLock(host, tree, canonical, log));
    } catch (error) {
      if (error instanceof TreeBusy) throw treeBusyError(host, tree, error.holder, this.where);
      throw error instanceof ConnectionError ? error : new ConnectionError(`${host}: could not lock tree ${tree}${this.where}: ${(error as Error).message}`, host);
    }
  }

  /** Start the lock holder (HOLD_SCRIPT) and wait for its verdict. */
  private holdLock(host: string, tree: string, canonical: string, log: (verbosity: number, message: string) => void): Promise<void> {
    const { waitSeconds, playbook } = treeLockSettings();
    const about = JSON.stringify({ pid: process.pid, since: new Date().toISOString(), playbook });
    const stdin = new PassThrough();
    return new Promise((resolve, reject) => {
      let text = '';
      const verdicts = new Writable({
        write: (chunk: Buffer, _encoding, done) => {
          text += chunk.toString('utf8');
          for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n')) {
            const line = text.slice(0, end);
            text = text.slice(end + 1);
            const [word = '', ...rest] = line.split(' ');
            const holder = parseHolder(rest.join(' '));
            if (word === 'locked') resolve();
            else if (word === 'busy') reject(new TreeBusy(holder));
            else if (word === 'waiting') log(0, `${host}: tree ${tree}${this.where} is in use by another playtree run${describeHolder(holder)}; waiting up to ${waitSeconds} s`);
          }
          done();
        },
      });
      const command: TreeCommand = { file: '/bin/sh', args: ['-c', HOLD_SCRIPT, 'playtree-lock', canonical, String(waitSeconds), about], stop: { signal: 'SIGTERM', wholeGroup: true } };
      const ended = this.run(command, { stdin, stdout: verdicts }).then((result) => {
        if (result.rc === LOCK_BUSY) return;
        const reason = firstLine(result.stderr) || `the lock holder ended with code ${result.rc}`;
        reject(new ConnectionError(`${host}: could not lock tree ${tree}${this.where}: ${reason}`, host));
      }, reject);
      this.holders.push({ stdin, ended });
    });
  }

  async findHeldNspawnLock(tree: string): Promise<string | undefined> {
    const result = await this.expect(this.send(NSPAWN_LOCK_SCRIPT, [tree]), "read the tree's locks");
    const lines = result.stdout.toString('utf8').split('\n');
    const held = parseProcLocks(lines.filter((line) => !line.startsWith('F ')).join('\n'));
    for (const line of lines.filter((entry) => entry.startsWith('F '))) {
      const [, dev = '0', ino = '0', ...path] = line.split(' ');
      if (held.has(lockId(BigInt(dev), BigInt(ino)))) return path.join(' ');
    }
    return undefined;
  }

  async systemBus(): Promise<boolean> {
    return (await this.folder()).systemBus;
  }

  /** Release the locks, remove the temporary folder, close the carrier. Safe to call more than once. */
  close(): Promise<void> {
    // Tracked until done: an interrupted run that is closing it already must still wait for the end.
    this.closing ??= (async () => {
      const holders = this.holders.splice(0);
      for (const holder of holders) holder.stdin.end();
      await Promise.allSettled(holders.map((holder) => holder.ended));
      await this.runFolder.close();
      await this.carrier.close();
      untrackOpenConnection(this);
    })();
    return this.closing;
  }

  /** A script's result, or an Error saying what could not be done (exit code and first stderr line). */
  private async expect(sent: Promise<ExecResult>, what: string): Promise<ExecResult> {
    const result = await sent;
    if (result.rc !== 0) throw new Error(`could not ${what}${this.where}: ${firstLine(result.stderr) || `exit code ${result.rc}`}`);
    return result;
  }
}

/** One build host per carrier connection (per playtree_via host and run). */
const buildHosts = new WeakMap<Connection, CarriedBuildHost>();

export function carriedBuildHost(host: string, carrier: Connection): CarriedBuildHost {
  let buildHost = buildHosts.get(carrier);
  if (!buildHost) {
    buildHost = new CarriedBuildHost(host, carrier);
    buildHosts.set(carrier, buildHost);
    closeAfterOthers(carrier);
  }
  return buildHost;
}

/** Close a playtree_via carrier at the end of a run: its build host's lock and temporary folder first. */
export async function closeCarrier(carrier: Connection): Promise<void> {
  const buildHost = buildHosts.get(carrier);
  await (buildHost ? buildHost.close() : carrier.close());
}
