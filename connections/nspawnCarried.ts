import { ConnectionError } from '../src/core/errors.js';
import { shellJoin } from '../src/core/shellQuote.js';
import type { CarriedBuildHost } from './carriedBuildHost.js';
import type { CarriedContainer } from './carriedContainer.js';
import type { ConnectionOptions } from './connection.js';
import { buildNspawnArgv, LEADER_SCRIPT, resolveNspawnSettings, type NspawnSettings } from './nspawnArgv.js';
import { checkNspawnPreconditions, describeNspawnFailure } from './nspawnChecks.js';
import { leaseContainer, type ContainerLease } from './nspawnContainer.js';
import { trackOpenConnection, untrackOpenConnection } from './openConnections.js';
import { TreeConnection } from './treeConnection.js';
import type { TreeCommand, TreeRunOptions, TreeRunResult } from './treeProcess.js';

/*
 * The persistent nspawn mode on a tree reached through `playtree_via` (the default there too): one container
 * per host on the build host, started and served through the carrier (carriedContainer.ts), every command as
 * root one carrier exec handled by the same command server as locally (nspawn's seccomp filter, cgroup,
 * capabilities and environment). A background job started by a task keeps running for the next tasks;
 * close() stops the container and waits until systemd-nspawn has gone on the build host.
 */
export class CarriedNspawnConnection extends TreeConnection<NspawnSettings> {
  readonly transport = 'nspawn';
  private lease: ContainerLease<CarriedContainer> | undefined;
  private retrying = false;

  constructor(options: ConnectionOptions, env: NodeJS.ProcessEnv = process.env) {
    super(resolveNspawnSettings(options, env), options);
  }

  /** A container that stopped under us (a task killed its leader) is replaced by a fresh one. */
  override open(): Promise<void> {
    const container = this.lease?.container;
    if (container && !container.running()) return this.close().then(() => super.open());
    return super.open();
  }

  protected async preflight(): Promise<void> {
    const { host, tree } = this.settings;
    const buildHost = this.buildHost as CarriedBuildHost;
    const probe = { systemBus: await buildHost.systemBus() };
    // The tree as the build host resolves it names the container and the lease: every spelling is one tree.
    const realTree = await buildHost.realTree(tree);
    const asRoot: NspawnSettings = { ...this.settings, user: undefined };
    // An interrupted carrier may SIGTERM systemd-nspawn itself: it then passes SIGTERM on to the container,
    // whose leader takes it as the end of its lifeline (commands get SIGTERM, their traps run), instead of
    // killing the container at once.
    const killSignal = this.settings.extraArgs.some((arg) => arg.startsWith('--kill-signal')) ? [] : ['--kill-signal=SIGTERM'];
    const argvFor = (bind: string) =>
      buildNspawnArgv({ ...asRoot, extraArgs: [...killSignal, bind, ...asRoot.extraArgs] }, probe, realTree, [this.settings.shell, '-c', `trap : TERM\n${LEADER_SCRIPT}`]);
    const start = async () => {
      await checkNspawnPreconditions(this.settings, probe, this.transport, this.options.log, buildHost);
      this.options.log(3, `<${host}> NSPAWN START (${buildHost.where.trim()}) ${shellJoin(argvFor('--bind-ro=IO:/run/playtree-io'))}`);
      const { CarriedContainer } = await import('./carriedContainer.js');
      return CarriedContainer.start(buildHost, argvFor).catch((error: Error) => {
        const reason = describeNspawnFailure(tree, error.message) ?? `could not start a container on ${tree}${buildHost.where}: ${error.message}`;
        throw new ConnectionError(`${host}: ${reason}`, host);
      });
    };
    this.lease = await leaseContainer(`${buildHost.host}\0${realTree}\0${argvFor('').join('\0')}`, start);
    trackOpenConnection(this);
    this.options.log(3, `<${host}> container of ${tree}${buildHost.where} runs`);
  }

  protected commandFor(): TreeCommand {
    throw new Error('the persistent container through playtree_via runs commands through its command server only');
  }

  protected override async runInTree(payload: string[], io: TreeRunOptions): Promise<TreeRunResult> {
    const [, , script, , ...args] = payload;
    const { host, tree } = this.settings;
    const container = this.lease?.container;
    if (!container?.running() || script === undefined) {
      throw new ConnectionError(`${host}: the container of ${tree}${this.buildHost.where} is not running (it stopped or was never started); rerun the play`, host);
    }
    this.options.log(3, `<${host}> NSPAWN EXEC (${this.buildHost.where.trim()}) ${shellJoin(payload)}`);
    try {
      return await container.run(script, args, io);
    } catch (error) {
      // The container went before the command started (a task killed its leader): a fresh one runs it, as locally.
      const replayable = io.stdin === undefined || typeof io.stdin === 'string' || Buffer.isBuffer(io.stdin);
      if ((error as Error).name === 'ContainerGone' && replayable && !this.retrying) {
        this.retrying = true;
        try {
          await this.open();
          return await this.runInTree(payload, io);
        } finally {
          this.retrying = false;
        }
      }
      throw new ConnectionError(`${host}: could not run a command in the container of ${tree}${this.buildHost.where}: ${(error as Error).message}; rerun the play`, host);
    }
  }

  override async close(): Promise<void> {
    const lease = this.lease;
    this.lease = undefined;
    untrackOpenConnection(this);
    await super.close();
    if (lease) {
      await lease.release();
      this.options.log(3, `<${this.settings.host}> container of ${this.settings.tree}${this.buildHost.where} stopped`);
    }
  }
}
