import { ConnectionError } from '../src/errors.js';
import type { Connection, ConnectionOptions } from './connection.js';
import { buildNspawnArgv, noBusFlags, resolveNspawnSettings, type HostProbe, type NspawnSettings } from './nspawnArgv.js';
import { probeHost } from './systemBus.js';
import { checkRunningAsRoot, checkShellInTree, checkTreeLooksLikeAnOs, findProgram } from './treeChecks.js';
import { TreeConnection } from './treeConnection.js';
import { findHeldTreeLock } from './treeLock.js';
import type { TreeCommand, TreeRunResult } from './treeProcess.js';

/**
 * Lines systemd-nspawn prints on stderr even with --quiet, around (never inside) the command's own output.
 * Matched on whole trailing lines only, so a command's stderr is never cut in the middle.
 */
const NSPAWN_CHATTER = [
  // systemd 252 cleaning its propagation folder on a non-tmpfs /run: harmless.
  /Attempted to remove disk file system under "[^"\n]*", and we can't allow that\.\n$/,
  /Container [^\n]* (?:exited successfully|failed with error code \d+|terminated by signal [A-Z0-9]+)\.\n$/,
];

/** Failures of systemd-nspawn itself (the command never ran): reported as UNREACHABLE, not as rc=1. */
const NSPAWN_FAILURES: Array<[RegExp, string]> = [
  [/^Directory tree (.*) is currently busy\.$/m, 'the tree is in use by another container; stop it (machinectl list) or wait for it to finish'],
  [/^Failed to open system bus: .*$/m, 'systemd-nspawn could not reach the system bus; remove --register/--keep-unit from ansible_nspawn_args'],
];

/**
 * `ansible_connection=nspawn` (also `community.general.nspawn`): every command runs in a fresh
 * `systemd-nspawn --directory=TREE` container (about 90 ms each here; a persistent container is issue 5).
 * Options: the tree is `ansible_host`, else the inventory name; `ansible_nspawn_args` / ANSIBLE_NSPAWN_ARGS /
 * ansible.cfg `[nspawn_connection] nspawn_args` add arguments; `ansible_executable` is the shell (default
 * /bin/sh); `ansible_user` becomes `--user=`; `ansible_python_interpreter` is ignored (no Python needed).
 * The environment is nspawn's clean one (PATH, HOME, TERM, container=systemd-nspawn), not the controller's.
 */
export class NspawnConnection extends TreeConnection {
  readonly transport = 'nspawn';
  private readonly nspawn: NspawnSettings;

  constructor(
    options: ConnectionOptions,
    private readonly probe: HostProbe = probeHost(),
    env: NodeJS.ProcessEnv = process.env,
  ) {
    const settings = resolveNspawnSettings(options, env);
    super(settings, options);
    this.nspawn = settings;
  }

  protected async preflight(): Promise<void> {
    checkRunningAsRoot(this.settings, this.transport);
    await findProgram(this.settings, 'systemd-nspawn', 'systemd-container');
    await checkTreeLooksLikeAnOs(this.settings);
    await checkShellInTree(this.settings);
    const lock = await findHeldTreeLock(this.settings.tree);
    if (lock !== undefined) {
      throw new ConnectionError(
        `${this.settings.host}: tree ${this.settings.tree} is in use by another container (lock ${lock} is held); stop that container (machinectl list / ps) or wait for it to finish`,
        this.settings.host,
      );
    }
    const added = noBusFlags(this.nspawn, this.probe);
    if (added.length > 0) {
      this.options.log(3, `<${this.settings.host}> no system bus on this host (PID 1 is not systemd or no bus socket): adding ${added.join(' ')}`);
    }
  }

  protected commandFor(payload: string[]): TreeCommand {
    const [file, ...args] = buildNspawnArgv(this.nspawn, this.probe, payload) as [string, ...string[]];
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
    const stderr = result.stderr.toString('utf8');
    for (const [pattern, advice] of NSPAWN_FAILURES) {
      const match = pattern.exec(stderr);
      if (match) return `systemd-nspawn failed on ${this.settings.tree}: ${match[0]}; ${advice}`;
    }
    return undefined;
  }
}

export function createNspawnConnection(options: ConnectionOptions): Connection {
  return new NspawnConnection(options);
}
