import { realpath } from 'node:fs/promises';
import { ConnectionError } from '../src/errors.js';
import { shellJoin } from '../src/shellQuote.js';
import type { ConnectionOptions } from './connection.js';
import { resolveNspawnSettings, type HostProbe, type NspawnSettings } from './nspawnArgv.js';
import { checkNspawnPreconditions, describeNspawnFailure } from './nspawnChecks.js';
import { startContainer, type RunningContainer } from './nspawnContainer.js';
import { leaseContainer, type ContainerLease } from './nspawnSharedContainers.js';
import { buildEnterArgv, buildLeaderArgv, type EnterTarget } from './nspawnPersistentArgv.js';
import { trackOpenConnection, untrackOpenConnection } from './openConnections.js';
import { probeHost } from './systemBus.js';
import { findProgram } from './treeChecks.js';
import { TreeConnection } from './treeConnection.js';
import { runTreeCommand, type TreeCommand, type TreeRunResult } from './treeProcess.js';

/** nsenter's own failures (the command never ran): the container is gone or cannot be entered. */
const ENTER_FAILURE = /^(?:nsenter|setpriv): (?:cannot open|reassociate|failed to|setns|neither)[^\n]*/;

/**
 * `ansible_connection=nspawn`, default mode: the host's first command starts one systemd-nspawn container
 * on the tree (real /proc, /sys, /dev, nspawn's environment and capability bounding set), and every command
 * and transfer enters it with nsenter, a few milliseconds each instead of a container start. A background
 * job started by a task keeps running for the next tasks; close() stops the container (and the job) and
 * releases the tree's lock. Same options as the per-command mode (nspawn.ts), plus
 * `ansible_nspawn_persistent: false` to go back to it. Differences: entered commands do not get nspawn's
 * seccomp filter nor its cgroup; `ansible_user` needs setpriv (util-linux) inside the tree.
 */
export class PersistentNspawnConnection extends TreeConnection {
  readonly transport = 'nspawn';
  private readonly nspawn: NspawnSettings;
  private container: RunningContainer | undefined;
  private lease: ContainerLease | undefined;
  private target: EnterTarget | undefined;
  private environment: Record<string, string> = {};

  constructor(
    options: ConnectionOptions,
    private readonly probe: HostProbe = probeHost(),
    env: NodeJS.ProcessEnv = process.env,
  ) {
    const settings = resolveNspawnSettings(options, env);
    super(settings, options);
    this.nspawn = settings;
  }

  /** A container that stopped under us (a task killed its leader) is replaced by a fresh one. */
  override open(): Promise<void> {
    if (this.container && !this.container.running()) return this.close().then(() => super.open());
    return super.open();
  }

  protected async preflight(): Promise<void> {
    const { host, tree } = this.settings;
    const argv = buildLeaderArgv(this.nspawn, this.probe);
    const start = async () => {
      await checkNspawnPreconditions(this.nspawn, this.probe, this.transport, this.options.log);
      await findProgram(this.settings, 'nsenter', 'util-linux');
      await findProgram(this.settings, 'setpriv', 'util-linux');
      this.options.log(3, `<${host}> NSPAWN START ${shellJoin(argv)}`);
      return startContainer(argv).catch((error: Error) => {
        const reason = describeNspawnFailure(tree, error.message) ?? `could not start a container on ${tree}: ${error.message}`;
        throw new ConnectionError(`${host}: ${reason}`, host);
      });
    };
    this.lease = await leaseContainer(`${await realpath(tree).catch(() => tree)}\0${argv.join('\0')}`, start);
    this.container = this.lease.container;
    trackOpenConnection(this);
    this.target = { leaderPid: this.container.leaderPid, capBnd: this.container.capBnd };
    this.environment = this.container.environment;
    this.options.log(3, `<${host}> container of ${tree} runs as pid ${this.container.leaderPid}`);
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

  protected commandFor(payload: string[]): TreeCommand {
    if (!this.target || !this.container?.running()) {
      throw new ConnectionError(
        `${this.settings.host}: the container of ${this.settings.tree} is not running (it stopped or was never started); rerun the play`,
        this.settings.host,
      );
    }
    const [file, ...args] = buildEnterArgv(this.target, payload) as [string, ...string[]];
    // nsenter forks the command into the container; its own process group lets an abandoned transfer stop both.
    return { file, args, env: this.environment, stop: { signal: 'SIGKILL', wholeGroup: true } };
  }

  protected override toolFailure(result: TreeRunResult): string | undefined {
    if (result.rc === 0 || result.stdout.length > 0) return undefined;
    const match = ENTER_FAILURE.exec(result.stderr.toString('utf8'));
    if (!match) return undefined;
    const stopped = this.container?.running() === false ? ' (the container has stopped)' : '';
    return `could not enter the container of ${this.settings.tree}${stopped}: ${match[0]}; rerun the play, or set ansible_nspawn_persistent: false`;
  }

  override async close(): Promise<void> {
    const lease = this.lease;
    this.lease = undefined;
    this.container = undefined;
    this.target = undefined;
    untrackOpenConnection(this);
    await super.close();
    if (lease) {
      await lease.release();
      this.options.log(3, `<${this.settings.host}> container of ${this.settings.tree} stopped`);
    }
  }
}
