import type { Connection, ConnectionOptions } from './connection.js';
import { buildNspawnArgv, resolveNspawnSettings, type HostProbe, type NspawnSettings } from './nspawnArgv.js';
import { checkNspawnPreconditions, describeNspawnFailure } from './nspawnChecks.js';
import { PersistentNspawnConnection } from './nspawnPersistent.js';
import { persistentModeWanted } from './nspawnPersistentArgv.js';
import { probeHost } from './systemBus.js';
import { TreeConnection } from './treeConnection.js';
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

/**
 * `ansible_connection=nspawn` with `ansible_nspawn_persistent: false` (the per-command mode): every command
 * runs in a fresh `systemd-nspawn --directory=TREE` container (about 90 ms each here). The default, one
 * container per host, is PersistentNspawnConnection (nspawnPersistent.ts); both take the same options.
 * Options: the tree is `ansible_host`, else the inventory name; `ansible_nspawn_args` / ANSIBLE_NSPAWN_ARGS /
 * ansible.cfg `[nspawn_connection] nspawn_args` add arguments; `ansible_executable` is the shell (default
 * /bin/sh); `ansible_user` becomes `--user=`; `ansible_python_interpreter` is ignored (no Python needed).
 * The environment is nspawn's clean one (PATH, HOME, TERM, container=systemd-nspawn), not the controller's.
 */
export class NspawnConnection extends TreeConnection {
  readonly transport = 'nspawn';
  protected readonly nspawn: NspawnSettings;

  constructor(
    options: ConnectionOptions,
    protected readonly probe: HostProbe = probeHost(),
    env: NodeJS.ProcessEnv = process.env,
  ) {
    const settings = resolveNspawnSettings(options, env);
    super(settings, options);
    this.nspawn = settings;
  }

  protected async preflight(): Promise<void> {
    await checkNspawnPreconditions(this.nspawn, this.probe, this.transport, this.options.log);
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
    return describeNspawnFailure(this.settings.tree, result.stderr.toString('utf8'));
  }
}

/** The nspawn driver: one persistent container per host unless `ansible_nspawn_persistent: false`. */
export function createNspawnConnection(options: ConnectionOptions): Connection {
  return persistentModeWanted(options, process.env) ? new PersistentNspawnConnection(options) : new NspawnConnection(options);
}
