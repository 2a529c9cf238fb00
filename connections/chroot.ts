import type { Connection, ConnectionOptions } from './connection.js';
import { TreeConnection } from './treeConnection.js';
import { TreeFiles } from './treeFiles.js';
import { resolveTreeSettings } from './treeOptions.js';
import type { TreeCommand } from './treeProcess.js';

/** The environment commands see in the tree: the controller's own (its PATH, its secrets) stays outside. */
const TREE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * `ansible_connection=chroot`: commands run with `chroot TREE SHELL -c CMD`. Like Ansible's chroot
 * connection it mounts nothing: /proc, /sys and /dev inside are whatever the tree holds (usually empty).
 * Differs from Ansible: the environment is clean (PATH, HOME, LANG) instead of the controller's, and
 * `ansible_user` runs commands as that user of the tree (`chroot --userspec`, looked up inside the tree).
 * With `playtree_via`, the tree is on that host and chroot runs there (buildHost.ts).
 */
export class ChrootConnection extends TreeConnection {
  readonly transport = 'chroot';
  private chrootProgram = 'chroot';
  /** The tree read from the controller (treeFiles()): a tree on this machine, commands as its root. */
  private files: TreeFiles | undefined;

  constructor(options: ConnectionOptions, env: NodeJS.ProcessEnv = process.env) {
    super(resolveTreeSettings(options, env), options);
  }

  protected async preflight(): Promise<void> {
    const found = await this.buildHost.checkTree(this.settings, this.transport, [['chroot', 'coreutils']]);
    this.chrootProgram = found.get('chroot') ?? 'chroot';
    await this.buildHost.lockTree(this.settings.host, this.settings.tree, this.options.log);
    const user = this.settings.user;
    if (!this.options.via && (user === undefined || user === 'root' || user === '0')) this.files = TreeFiles.tryOpen(this.settings.tree);
  }

  treeFiles(): TreeFiles | undefined {
    return this.files;
  }

  override async close(): Promise<void> {
    this.files?.close();
    this.files = undefined;
    await super.close();
  }

  protected commandFor(payload: string[]): TreeCommand {
    const user = this.settings.user;
    return {
      file: this.chrootProgram,
      args: [...(user === undefined ? [] : [`--userspec=${user}`]), this.settings.tree, ...payload],
      env: { PATH: TREE_PATH, HOME: user === undefined || user === 'root' ? '/root' : '/', LANG: 'C.UTF-8' },
      // chroot execs the shell; the shell's children (cat, mv) share its process group: stop them all.
      stop: { signal: 'SIGKILL', wholeGroup: true },
    };
  }
}

export function createChrootConnection(options: ConnectionOptions): Connection {
  return new ChrootConnection(options);
}
