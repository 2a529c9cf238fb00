import { readFileSync } from 'node:fs';
import { ConnectionError } from '../src/core/errors.js';
import { shellJoin } from '../src/core/shellQuote.js';
import { logsAt, type Connection, type ConnectionOptions } from './connection.js';
import {
  buildEnterArgv,
  buildLeaderArgv,
  buildNspawnArgv,
  persistentModeWanted,
  resolveNspawnSettings,
  type EnterTarget,
  type HostProbe,
  type NspawnSettings,
} from './nspawnArgv.js';
import { checkNspawnPreconditions, describeNspawnFailure, probeHost } from './nspawnChecks.js';
import { CarriedNspawnConnection } from './nspawnCarried.js';
import { leaseContainer, startContainer, type ContainerLease, type RunningContainer } from './nspawnContainer.js';
import { ContainerShell } from './nspawnShell.js';
import { trackOpenConnection, untrackOpenConnection } from './openConnections.js';
import { realTreeOf } from './buildHost.js';
import { findProgram } from './treeChecks.js';
import { TreeConnection } from './treeConnection.js';
import { TreeFiles } from './treeFiles.js';
import { runTreeCommand, type TreeCommand, type TreeRunOptions, type TreeRunResult } from './treeProcess.js';

/*
 * `ansible_connection=nspawn` (also `community.general.nspawn`): tasks run inside an OS tree through
 * systemd-nspawn, so /proc, /sys and /dev are real. Two modes, chosen by `ansible_nspawn_persistent`
 * (ANSIBLE_NSPAWN_PERSISTENT, ansible.cfg `[nspawn_connection] persistent`): one container per host entered
 * serving every command (PersistentNspawnConnection, the default), or one container per command (NspawnConnection).
 * Both take the same options: the tree is `ansible_host`, else the inventory name; `ansible_nspawn_args` /
 * ANSIBLE_NSPAWN_ARGS / `[nspawn_connection] nspawn_args` add systemd-nspawn arguments; `ansible_executable`
 * is the shell (default /bin/sh); `ansible_user` runs commands as that user of the tree;
 * `ansible_python_interpreter` is ignored (no Python needed). The environment is nspawn's clean one (PATH,
 * HOME, TERM, container=systemd-nspawn), not the controller's.
 *
 * Commands, transfers and preconditions shared with chroot: treeConnection.ts. Here, beside this file:
 * nspawnArgv.ts (options, every argv and the leader's scripts, pure), nspawnChecks.ts (preconditions, the
 * host's system bus, nspawn's own failures), nspawnContainer.ts (start, share and stop the persistent
 * container), nspawnShell.ts (the persistent container's command server, from the controller's side).
 * A tree on another build host (`playtree_via`): nspawnCarried.ts (the persistent container there, through the
 * carrier), or NspawnConnection through the carrier (per-command mode, or another `ansible_user`).
 */

/** One command server per container, shared by the connections that lease it. */
const shells = new WeakMap<RunningContainer, ContainerShell>();

function shellOf(container: RunningContainer): ContainerShell {
  let shell = shells.get(container);
  if (!shell) {
    shell = new ContainerShell(container);
    shells.set(container, shell);
  }
  return shell;
}

/** The nspawn driver: one persistent container per host unless `ansible_nspawn_persistent: false`. */
export function createNspawnConnection(options: ConnectionOptions): Connection {
  if (!persistentModeWanted(options, process.env)) return new NspawnConnection(options);
  if (!options.via) return new PersistentNspawnConnection(options);
  const user = resolveNspawnSettings(options, process.env).user;
  if (user === undefined || user === 'root' || user === '0') return new CarriedNspawnConnection(options);
  // Another user's commands enter the container with nsenter from the controller: not through a carrier.
  options.log(1, `<${options.host}> the tree is on build host ${options.via.host} (playtree_via) and ansible_user is ${user}: one container per command (the persistent container serves root's commands only there)`);
  return new NspawnConnection(options);
}

/**
 * Lines systemd-nspawn prints on stderr even with --quiet, around (never inside) the command's own output.
 * Matched on whole trailing lines only, so a command's stderr is never cut in the middle.
 */
const NSPAWN_CHATTER = [
  // systemd 252 cleaning its propagation folder on a non-tmpfs /run: harmless.
  /Attempted to remove disk file system under "[^"\n]*", and we can't allow that\.\n$/,
  /Container [^\n]* (?:exited successfully|failed with error code \d+|terminated by signal [A-Z0-9]+)\.\n$/,
];

/**
 * Per-command mode (`ansible_nspawn_persistent: false`): every command runs in a fresh
 * `systemd-nspawn --directory=TREE` container (about 90 ms each here), with `ansible_user` as `--user=`.
 */
export class NspawnConnection extends TreeConnection<NspawnSettings> {
  readonly transport = 'nspawn';
  /** The tree's path with symlinks resolved (its machine name's hash), known once open. */
  private realTree = this.settings.tree;

  constructor(
    options: ConnectionOptions,
    private probe: HostProbe = options.via ? { systemBus: false } : probeHost(),
    env: NodeJS.ProcessEnv = process.env,
  ) {
    super(resolveNspawnSettings(options, env), options);
  }

  protected async preflight(): Promise<void> {
    // A tree on another build host: that host's init and bus decide (playtree_via).
    if (this.options.via) this.probe = { systemBus: await this.buildHost.systemBus() };
    await checkNspawnPreconditions(this.settings, this.probe, this.transport, this.options.log, this.buildHost);
    // The tree's real path (resolved where the tree is) names the container.
    this.realTree = await this.buildHost.realTree(this.settings.tree);
  }

  protected commandFor(payload: string[]): TreeCommand {
    const [file, ...args] = buildNspawnArgv(this.settings, this.probe, this.realTree, payload) as [string, ...string[]];
    // Through playtree_via, the carrier may itself send SIGTERM to nspawn when the run is interrupted: nspawn
    // then passes SIGTERM on to the container (whose traps remove a transfer's temporary file) instead of
    // killing it at once.
    if (this.options.via && !this.settings.extraArgs.some((arg) => arg.startsWith('--kill-signal'))) args.unshift('--kill-signal=SIGTERM');
    // SIGTERM makes nspawn kill the whole container (SIGKILL to its PID 1) and clean up its mounts.
    return { file, args, stop: { signal: 'SIGTERM', wholeGroup: false } };
  }

  protected override cleanStderr(stderr: Buffer): Buffer {
    // latin1 maps bytes 1:1, so slicing by its string length is exact even for binary stderr.
    let text = stderr.toString('latin1');
    for (let changed = true; changed; ) {
      changed = false;
      for (const pattern of NSPAWN_CHATTER) {
        const match = pattern.exec(text);
        if (match) {
          text = text.slice(0, match.index);
          changed = true;
        }
      }
    }
    return text.length === stderr.length ? stderr : stderr.subarray(0, text.length);
  }

  protected override toolFailure(result: TreeRunResult): string | undefined {
    if (result.rc === 0 || result.stdout.length > 0) return undefined;
    return describeNspawnFailure(this.settings.tree, result.stderr.toString('utf8'));
  }
}

/**
 * The container's root as its root user sees it, opened once through /proc/LEADER/root (the fd keeps meaning
 * that container, whatever becomes of the pid). None when the container has a user namespace of its own
 * (`--private-users`): its root is not playtree's, and the owners read here would not be the container's.
 */
function containerFiles(leaderPid: number): TreeFiles | undefined {
  try {
    const maps = (pid: number | 'self') => ['uid_map', 'gid_map'].map((map) => readFileSync(`/proc/${pid}/${map}`, 'utf8')).join('');
    return maps(leaderPid) === maps('self') ? TreeFiles.tryOpen(`/proc/${leaderPid}/root`) : undefined;
  } catch {
    return undefined;
  }
}

/** nsenter's own failures (the command never ran): the container is gone or cannot be entered. */
const ENTER_FAILURE = /^(?:nsenter|setpriv): (?:cannot open|reassociate|failed to|setns|neither)[^\n]*/;

/**
 * Persistent mode (the default): the host's first command starts one systemd-nspawn container on the tree
 * (real /proc, /sys, /dev, nspawn's environment, capability bounding set, seccomp filter and cgroup). Its
 * leader runs a small command server (nspawnShell.ts): every later command and transfer as root is one
 * subshell forked by it, with FIFOs for stdin, stdout and stderr, so nothing is started on the controller.
 * Commands as another `ansible_user` enter the container with setpriv and nsenter instead (they need the
 * tree's setpriv, and do not get nspawn's seccomp filter nor its cgroup). A background job started by a
 * task keeps running for the next tasks; close() stops the container (and the job) and releases the tree's
 * lock.
 */
export class PersistentNspawnConnection extends TreeConnection<NspawnSettings> {
  readonly transport = 'nspawn';
  private lease: ContainerLease | undefined;
  private target: EnterTarget | undefined;
  private environment: Record<string, string> = {};
  /** The container's root read from the controller (treeFiles()), when its root is the controller's. */
  private files: TreeFiles | undefined;

  constructor(
    options: ConnectionOptions,
    private readonly probe: HostProbe = probeHost(),
    env: NodeJS.ProcessEnv = process.env,
  ) {
    super(resolveNspawnSettings(options, env), options);
  }

  /** A container that stopped under us (a task killed its leader) is replaced by a fresh one. */
  override open(): Promise<void> {
    const container = this.lease?.container;
    if (container && (!container.running() || shells.get(container)?.stopped)) return this.close().then(() => super.open());
    return super.open();
  }

  protected async preflight(): Promise<void> {
    const { host, tree } = this.settings;
    const realTree = realTreeOf(tree);
    const argv = buildLeaderArgv(this.settings, this.probe, realTree);
    const start = async () => {
      await checkNspawnPreconditions(this.settings, this.probe, this.transport, this.options.log);
      this.options.log(3, `<${host}> NSPAWN START ${shellJoin(argv)}`);
      return startContainer(argv, tree).catch((error: Error) => {
        const reason = describeNspawnFailure(tree, error.message) ?? `could not start a container on ${tree}: ${error.message}`;
        throw new ConnectionError(`${host}: ${reason}`, host);
      });
    };
    this.lease = await leaseContainer(`${realTree}\0${argv.join('\0')}`, start);
    const { container } = this.lease;
    trackOpenConnection(this);
    this.target = { leaderPid: container.leaderPid, capBnd: container.capBnd };
    this.environment = container.environment;
    this.options.log(3, `<${host}> container of ${tree} runs as pid ${container.leaderPid}`);
    this.files = containerFiles(container.leaderPid);
    if (this.settings.user !== undefined && this.settings.user !== 'root' && this.settings.user !== '0') {
      await this.switchToUser(this.settings.user).catch(async (error: unknown) => {
        await this.close();
        throw error;
      });
    }
  }

  /** Look the user up inside the tree once; commands then switch to it with the tree's setpriv. */
  private async switchToUser(user: string): Promise<void> {
    const { host, tree } = this.settings;
    // Another user's commands enter the container from the controller (root's go to the command server).
    await findProgram(this.settings, 'nsenter', 'util-linux');
    await findProgram(this.settings, 'setpriv', 'util-linux');
    const lookup = 'getent passwd "$1" || exit 3; command -v setpriv || exit 4';
    const result = await runTreeCommand(this.commandFor([this.settings.shell, '-c', lookup, 'playtree-user', user]));
    const [entry = '', setpriv = ''] = result.stdout.toString('utf8').split('\n');
    const [name = '', , uid = '', gid = '', , home = ''] = entry.split(':');
    if (result.rc === 3 || uid === '') {
      throw new ConnectionError(`${host}: ansible_user ${user} does not exist in ${tree}; create it in the tree or choose another user`, host);
    }
    if (result.rc !== 0 || setpriv === '') {
      throw new ConnectionError(
        `${host}: ansible_user ${user} needs setpriv inside ${tree} for the persistent container; install util-linux in the tree or set ansible_nspawn_persistent: false`,
        host,
      );
    }
    this.target = { ...this.target!, user: { name: uid, gid: Number(gid), setpriv } };
    // As nspawn --user does: HOME, USER and LOGNAME from the user's passwd entry.
    this.environment = { ...this.environment, HOME: home, USER: name, LOGNAME: name };
  }

  /** Root's view of the running container's files: not for another ansible_user's commands. */
  treeFiles(): TreeFiles | undefined {
    return this.target?.user || !this.lease?.container.running() ? undefined : this.files;
  }

  protected commandFor(payload: string[]): TreeCommand {
    if (!this.target || !this.lease?.container.running()) {
      throw new ConnectionError(
        `${this.settings.host}: the container of ${this.settings.tree} is not running (it stopped or was never started); rerun the play`,
        this.settings.host,
      );
    }
    const [file, ...args] = buildEnterArgv(this.target, payload) as [string, ...string[]];
    // nsenter forks the command into the container; its own process group lets an abandoned transfer stop both.
    return { file, args, env: this.environment, stop: { signal: 'SIGKILL', wholeGroup: true } };
  }

  /**
   * Root's shell commands go to the container's command server (one fork inside, nothing started on the
   * controller); commands as another `ansible_user` enter the container with setpriv and nsenter.
   */
  protected override async runInTree(payload: string[], io: TreeRunOptions): Promise<TreeRunResult> {
    const [shell, flag, script, , ...args] = payload;
    if (this.target?.user || shell !== this.settings.shell || flag !== '-c' || script === undefined) return super.runInTree(payload, io);
    const { host, tree } = this.settings;
    if (!this.lease?.container.running()) {
      throw new ConnectionError(`${host}: the container of ${tree} is not running (it stopped or was never started); rerun the play`, host);
    }
    if (logsAt(this.options, 3)) this.options.log(3, `<${host}> NSPAWN EXEC ${shellJoin(payload)}`);
    try {
      return await shellOf(this.lease.container).run(script, args, io);
    } catch (error) {
      throw new ConnectionError(`${host}: could not run a command in the container of ${tree}: ${(error as Error).message}; rerun the play`, host);
    }
  }

  protected override toolFailure(result: TreeRunResult): string | undefined {
    if (result.rc === 0 || result.stdout.length > 0) return undefined;
    const match = ENTER_FAILURE.exec(result.stderr.toString('utf8'));
    if (!match) return undefined;
    const stopped = this.lease?.container.running() === false ? ' (the container has stopped)' : '';
    return `could not enter the container of ${this.settings.tree}${stopped}: ${match[0]}; rerun the play, or set ansible_nspawn_persistent: false`;
  }

  override async close(): Promise<void> {
    const lease = this.lease;
    this.lease = undefined;
    this.target = undefined;
    this.files?.close();
    this.files = undefined;
    untrackOpenConnection(this);
    await super.close();
    if (lease) {
      await lease.release();
      this.options.log(3, `<${this.settings.host}> container of ${this.settings.tree} stopped`);
    }
  }
}
