import type { Readable, Writable } from 'node:stream';
import type { TreeFiles } from './treeFiles.js';

/**
 * The contract between playtree and a target. A driver moves bytes and nothing else: it knows no plays,
 * tasks or modules. Modules build their shell commands with `shellJoin` and send them through `exec`.
 */
export interface Connection {
  /** Driver name as written in `ansible_connection` (e.g. `local`, `nspawn`). */
  readonly transport: string;

  /**
   * Prepare the target before the first command (check preconditions, start a container...).
   * Throws ConnectionError when the host cannot be reached: the host is then reported UNREACHABLE.
   */
  open(): Promise<void>;

  /**
   * Run `command` through the target's shell (`ansible_executable`, default `/bin/sh -c`), working folder
   * `/` for image trees. Output is returned as bytes, unchanged; stdin is empty unless given.
   */
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;

  /**
   * Stream `source` into `remotePath` on the target. Atomic: written to a temporary name beside the
   * destination, then renamed, so a failed transfer leaves no partial file. Relative paths resolve against `/`
   * on image trees. Throws ConnectionError naming both ends on failure.
   */
  put(source: Readable, remotePath: string): Promise<void>;

  /** Stream the target's `remotePath` into `sink`. Throws ConnectionError naming the path on failure. */
  fetch(remotePath: string, sink: Writable): Promise<void>;

  /** Release everything `open` took (processes, mounts, locks). Safe to call more than once. */
  close(): Promise<void>;

  /**
   * Optional, for a tree on this machine: its files as its commands see them, read by the controller without a
   * command (treeFiles.ts). Only while open, and only when every command runs as the tree's root with the
   * controller's user ids (no user namespace); otherwise undefined, and modules read with commands.
   */
  treeFiles?(): TreeFiles | undefined;
}

export interface ExecOptions {
  /** Bytes for the command's standard input. Without it, stdin is empty (the command reads EOF at once). */
  stdin?: Buffer | string | Readable;
  /**
   * Keep at most this many bytes of stdout and of stderr, the last ones (see outputKeeper.ts); the rest is
   * read and dropped, and counted in `stdoutDropped`/`stderrDropped`. Without it, everything is kept.
   */
  keepOutput?: number;
  /**
   * The caller stops this command itself when playtree is interrupted, and the connection must not signal
   * it: e.g. a build host's systemd-nspawn (playtree_via), which must be left the time to stop its container
   * and release its lock, where the connection's own stop would SIGKILL every process of the command after
   * its grace period. A connection that cannot tell may ignore it.
   */
  stopsItself?: boolean;
}

export interface ExecResult {
  rc: number;
  stdout: Buffer;
  stderr: Buffer;
  /** Bytes read but not kept because of `keepOutput` (absent or 0: nothing dropped). */
  stdoutDropped?: number;
  stderrDropped?: number;
}

/** What a driver is given to build a connection for one host. */
export interface ConnectionOptions {
  /** Inventory host name. */
  host: string;
  /** The host's variables (inventory, group_vars, play vars...), already templated where used. */
  vars: Readonly<Record<string, unknown>>;
  /** The `ansible.cfg` sections as read (e.g. `config['nspawn_connection']?.['nspawn_args']`). */
  config: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Diagnostics for the user at a verbosity level (3 = -vvv: commands sent). */
  log: (verbosity: number, message: string) => void;
  /**
   * The run's verbosity (-v count): `log` shows nothing above it, so a driver may skip building such lines
   * (a command's EXEC line quotes its whole script). Absent: every line may be shown.
   */
  verbosity?: number;
  /**
   * `playtree_via`: the inventory host through whose connection a tree driver (chroot, nspawn) reaches the
   * build host holding its tree. `connect` gives that host's connection, opened (once per run, shared by
   * every tree naming it; the engine closes it at the end), or throws ConnectionError.
   */
  via?: { host: string; connect: () => Promise<Connection> };
}

/** A driver module (built-in or a user's `connection_plugins/NAME.js`) provides one of these. */
export type ConnectionFactory = (options: ConnectionOptions) => Connection;

/** Whether a `log` line at `verbosity` can be shown: a driver builds costly lines only then. */
export function logsAt(options: Pick<ConnectionOptions, 'verbosity'>, verbosity: number): boolean {
  return options.verbosity === undefined || options.verbosity >= verbosity;
}
