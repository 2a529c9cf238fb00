import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConnectionError } from '../src/core/errors.js';
import { scriptWithArgs, shellJoin } from '../src/core/shellQuote.js';
import type { Connection, ConnectionOptions } from './connection.js';
import { describeLostConnection, describeSshFailure, isSshFailure } from './sshFailures.js';
import { trackRunningCommand } from './openConnections.js';
import { openMaster, privateControlFolder, rideMaster, stopMaster, type Master } from './sshMasters.js';
import { resolveSshSettings, sshArgv, type SshSettings } from './sshSettings.js';
import { wholeIfSmall } from './smallInput.js';
import { fitsRequest, NOT_RUN, SESSION_STDIN_LIMIT, SshSession } from './sshSession.js';
import { SESSION_RUN_MARK } from './sshSessionScript.js';
import { TreeConnection } from './treeConnection.js';
import { PT_BELOW } from './viaRunScripts.js';
import { runTreeCommand, type TreeCommand, type TreeRunOptions, type TreeRunResult } from './treeProcess.js';

/** The environment variable that marks the processes of one remote command. */
const RUN_MARK = SESSION_RUN_MARK;
/** A host's command session is started at most this many times between closes (it ends with its master). */
const SESSION_STARTS = 5;

/**
 * $1 `MARK=VALUE`, $2 a session command's subshell or `-`: SIGTERM the subshell and all below it, then each
 * process whose environment holds the mark (the command and all it started, also what left its tree).
 */
const STOP_MARKED_SCRIPT = `${PT_BELOW}
[ "$2" = - ] || kill -TERM $2 $(pt_below $2) 2>/dev/null
for environ in /proc/[0-9]*/environ; do
  if tr '\\0' '\\n' < "$environ" 2>/dev/null | grep -qxF -- "$1"; then pid=\${environ#/proc/}; kill -TERM "\${pid%/environ}" 2>/dev/null; fi
done
exit 0`;

/*
 * `ansible_connection=ssh` (also `ansible.builtin.ssh`): tasks run on the remote machine itself through the
 * system's OpenSSH client. Settings as Ansible's ssh plugin (sshSettings.ts); with the default ssh_args
 * (ControlMaster=auto, ControlPersist=60s) the host's first connection opens one master connection that
 * every command and transfer of the run reuses, closed when the run ends (sshMasters.ts). A master that died
 * (killed, or idle longer than ControlPersist) is replaced by the next command, as ssh's ControlMaster=auto
 * does for Ansible. ssh's own failures (exit 255 with ssh's message) make the host UNREACHABLE with what to
 * do; a remote command's own exit code 255 is a failed task (Ansible takes every 255 for ssh's).
 *
 * Commands are `ansible_executable -c CMD` (default /bin/sh) given to the remote user's login shell as one
 * quoted string; transfers stream through the same scripts as image trees (treeConnection.ts): a temporary
 * 0600 file beside the destination, a trailer checked before the rename, so a transfer cut by a killed ssh
 * or master never leaves a partial file. Relative paths resolve against `/`, like the tree drivers, not the
 * remote user's home. No sftp or scp: ssh_transfer_method, scp_if_ssh and use_tty (-tt) are ignored.
 * Without a tty a closed channel stops nothing on the host: an interrupted run stops its remote commands
 * itself (RUN_MARK).
 *
 * Short commands (no stream in or out) go through one command session per host (sshSession.ts) instead of
 * an ssh command each: the same master, the same login, a fork on the host instead of a new ssh client.
 */
export class SshConnection extends TreeConnection<SshSettings & { tree: string }> {
  readonly transport = 'ssh';
  private connecting: Promise<void> | undefined;
  private session: Promise<SshSession | undefined> | undefined;
  private sessionStarts = 0;

  constructor(options: ConnectionOptions, env: NodeJS.ProcessEnv = process.env) {
    const settings = resolveSshSettings(options, env, privateControlFolder);
    super({ ...settings, tree: describeTarget(settings) }, options);
  }

  /** Connect once (no stale-command clean-up: that is for trees on the controller). */
  override open(): Promise<void> {
    this.connecting ??= this.preflight().catch((error: unknown) => {
      this.connecting = undefined;
      throw error;
    });
    return this.connecting;
  }

  /**
   * Open (or join) the host's master connection: a first command (`true`) that authenticates and, with
   * ControlPersist, leaves the master running for the rest of the run. Without multiplexing, nothing is done
   * here: each command connects by itself, and the first one says when the host cannot be reached.
   */
  protected async preflight(): Promise<void> {
    const { settings } = this;
    this.options.log(3, `<${settings.address}> ESTABLISH SSH CONNECTION FOR USER: ${settings.user ?? '(ssh default)'}`);
    if (settings.controlPath === undefined) return;
    if (settings.controlFolder !== undefined) await mkdir(settings.controlFolder, { recursive: true, mode: 0o700 });
    await openMaster(this.masterKey(), this.masterCloser(), async () => {
      // A master the user's own ControlPath already has (their own sessions) is used, never closed by us.
      if (settings.userControlPath && (await this.runSsh(sshArgv(settings, { control: 'check' }))).rc === 0) return false;
      await this.connectWithRetries();
      return true;
    });
  }

  /** What tells this host's master from others: the same for every connection object with the same settings. */
  private masterKey(): string {
    return [this.settings.executable, ...this.settings.options, this.settings.address].join('\0');
  }

  /** How the run closes this host's master at its end (`ssh -O exit`). */
  private masterCloser(): Master {
    return { executable: this.settings.executable, exitArgv: sshArgv(this.settings, { control: 'exit' }) };
  }

  /**
   * `meta: reset_connection`: stop the host's master (`ssh -O stop`, as Ansible's ssh plugin), so that the
   * next command logs in afresh (a new group membership, a changed authorized key or sshd setting apply).
   */
  async reset(): Promise<void> {
    const { settings } = this;
    this.connecting = undefined;
    // Its session holds the old login (with a master, stopMaster ends every session on it, other hosts' too).
    await this.closeSession();
    if (settings.controlPath === undefined) return;
    this.options.log(3, `<${settings.address}> resetting the ssh master connection`);
    await stopMaster(this.masterKey(), this.masterCloser(), sshArgv(settings, { control: 'stop' }));
  }

  private async connectWithRetries(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const result = await this.runSsh(sshArgv(this.settings, { command: 'true' }));
      if (result.rc === 0) return;
      const failure = describeSshFailure(this.settings, result.stderr.toString('utf8'));
      if (result.rc !== 255 || attempt >= this.settings.retries) throw new ConnectionError(`${this.settings.host}: ${failure}`, this.settings.host);
      // Ansible's pause between attempts: 0 s, 1 s, 3 s, 7 s... at most 30 s.
      this.options.log(3, `<${this.settings.address}> ssh attempt ${attempt + 1} failed (${failure}); trying again`);
      await sleep(Math.min(2 ** attempt - 1, 30) * 1000);
    }
  }

  private async runSsh(args: string[]): Promise<TreeRunResult> {
    return this.runSshProcess({ file: this.settings.executable, args, stop: { signal: 'SIGTERM', wholeGroup: true } }, {});
  }

  protected commandFor(payload: string[]): TreeCommand {
    return this.hostCommand(payload);
  }

  /** The ssh process that runs `argv` on the host; the remote login shell splits the one string back into it. */
  private hostCommand(argv: string[], mark?: string): TreeCommand {
    const command = mark === undefined ? shellJoin(argv) : `export ${RUN_MARK}=${mark}; exec ${shellJoin(argv)}`;
    return { file: this.settings.executable, args: sshArgv(this.settings, { command }), stop: { signal: 'SIGTERM', wholeGroup: true } };
  }

  protected override runInTree(payload: string[], io: TreeRunOptions): Promise<TreeRunResult> {
    return this.runOnHost(payload, io);
  }

  /**
   * Run `argv` on the remote host, stdin and stdout streamed through ssh as in runTreeCommand: every command
   * and transfer of this driver, and what a tree driver reached through this host (playtree_via) runs its
   * host-side programs with. ssh's own failures throw ConnectionError (the host is UNREACHABLE).
   * Every process of the command carries a mark in its environment: an interrupted playtree stops them on
   * the host (killing ssh alone would not: without a tty, the remote command runs on when its channel closes).
   * A command cut off by the death of its master ends with 255 and no word from ssh: when the master is gone
   * too, that is the connection's failure, not the command's exit code.
   */
  async runOnHost(argv: string[], io: TreeRunOptions = {}): Promise<TreeRunResult> {
    await this.open();
    const { settings } = this;
    const mark = randomBytes(8).toString('hex');
    let subshell: number | undefined;
    const untrack = io.stopsItself ? () => {} : trackRunningCommand(() => this.stopMarked(mark, subshell));
    let result: TreeRunResult;
    try {
      const ready = await this.smallInputWhole(io);
      const inSession = await this.runInSession(argv, ready, mark, (pid) => (subshell = pid));
      result = inSession ?? (await this.runSshProcess(this.hostCommand(argv, mark), ready));
    } finally {
      untrack();
    }
    if (result.rc !== 255) return result;
    const stderr = result.stderr.toString('utf8');
    if (isSshFailure(result.rc, stderr)) throw new ConnectionError(`${settings.host}: ${describeSshFailure(settings, stderr)}`, settings.host);
    if (settings.controlPath === undefined || (await this.runSsh(sshArgv(settings, { control: 'check' }))).rc === 0) return result;
    throw new ConnectionError(`${settings.host}: ${describeLostConnection(settings, 'its master connection ended')}`, settings.host);
  }

  /**
   * Run `argv` through the host's command session when it can carry it and is free; undefined when the
   * command must run as its own ssh command. `/bin/sh -c SCRIPT NAME ARGS...` runs SCRIPT in a subshell of
   * the session's /bin/sh (no new shell started); any other argv is exec'd from one.
   */
  private async runInSession(argv: string[], io: TreeRunOptions, mark: string, started: (pid: number) => void): Promise<TreeRunResult | undefined> {
    const { stdin } = io;
    if (!sessionMayRun(io) || !fitsRequest(stdin)) return undefined;
    // A script that reads `$$` gets a shell of its own: in the session's subshell `$$` would be the session's
    // shell, not the command's (the build-host scripts record it to signal the command later).
    const inSubshell = argv[0] === '/bin/sh' && argv[1] === '-c' && argv.length >= 3 && !argv[2]!.includes('$$');
    const script = inSubshell ? scriptWithArgs(argv[2]!, argv.slice(4)) : `exec ${shellJoin(argv)}`;
    // A shell word cannot hold a NUL byte (its own ssh command says what such an argv does there).
    if (script.includes('\0')) return undefined;
    const session = await this.idleSession();
    if (!session) return undefined;
    this.options.log(3, `<${this.settings.address}> SSH: SESSION EXEC ${shellJoin(argv)}`);
    const result = await session.run(mark, script, typeof stdin === 'string' ? Buffer.from(stdin) : stdin, io.keepOutput, started);
    if (result !== NOT_RUN) return result;
    // Ended under the request (its master went away: the command's own ssh reopens it), or its folder on the
    // host is gone or full: then this host's commands go their own way from now on.
    if (!session.ended) this.sessionStarts = SESSION_STARTS;
    void this.closeSession();
    return undefined;
  }

  /** `io` with a small stdin stream read whole, when the command could then go through the session. */
  private async smallInputWhole(io: TreeRunOptions): Promise<TreeRunOptions> {
    const { stdin } = io;
    if (!(stdin instanceof Readable) || !sessionMayRun(io) || this.sessionStarts >= SESSION_STARTS) return io;
    return { ...io, stdin: await wholeIfSmall(stdin, SESSION_STDIN_LIMIT) };
  }

  /** The host's command session, taken, if it is free; started at the first call (and again after it ended). */
  private async idleSession(): Promise<SshSession | undefined> {
    if (this.session === undefined) {
      if (this.sessionStarts >= SESSION_STARTS) return undefined;
      this.sessionStarts += 1;
      this.session = SshSession.start(this.hostCommand(['/bin/sh', '-s']));
      const leave = rideMaster(this.masterKey(), () => this.closeSession());
      void this.session.then((started) => (started ? started.closed.then(leave) : leave()));
    }
    const session = await this.session;
    if (session?.ended) this.session = undefined;
    if (!session?.usable) return undefined;
    // Taken now: another command waiting for the same start must not be handed it too.
    session.busy = true;
    return session;
  }

  private async closeSession(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    await (await session)?.close();
  }

  private async runSshProcess(command: TreeCommand, io: TreeRunOptions): Promise<TreeRunResult> {
    this.options.log(3, `<${this.settings.address}> SSH: EXEC ${shellJoin([command.file, ...command.args])}`);
    try {
      return await runTreeCommand(command, io);
    } catch (error) {
      throw new ConnectionError(`${this.settings.host}: could not start ${command.file}: ${(error as Error).message}`, this.settings.host);
    }
  }

  /**
   * SIGTERM every process on the host whose environment carries `mark`, and a session command's `subshell`
   * with all below it (their traps run: no temporary file stays).
   */
  private async stopMarked(mark: string, subshell: number | undefined): Promise<void> {
    const stop = shellJoin(['/bin/sh', '-c', STOP_MARKED_SCRIPT, 'playtree-stop', `${RUN_MARK}=${mark}`, String(subshell ?? '-')]);
    await this.runSsh(sshArgv(this.settings, { command: stop })).catch(() => undefined);
  }

  override async close(): Promise<void> {
    // The master stays for the rest of the run (sshMasters.ts closes it at the end).
    this.connecting = undefined;
    await this.closeSession();
    // A later use (the next play) may start sessions again, unless the host refused them (NOT_RUN).
    if (this.sessionStarts < SESSION_STARTS) this.sessionStarts = 0;
    await super.close();
  }
}

/** Whether the command session may run a command given `io`: its output is collected, and its caller does not stop it itself. */
function sessionMayRun(io: TreeRunOptions): boolean {
  return !io.stopsItself && !io.stdout;
}

/** `root@10.0.0.5:2222`-like, for messages that name where a transfer went. */
function describeTarget(settings: SshSettings): string {
  const user = settings.user === undefined ? '' : `${settings.user}@`;
  return `${user}${settings.address}${settings.port === undefined ? '' : `:${settings.port}`}`;
}

export function createSshConnection(options: ConnectionOptions): Connection {
  return new SshConnection(options);
}
