import { randomBytes } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import { ConnectionError } from '../src/core/errors.js';
import { shellJoin } from '../src/core/shellQuote.js';
import { cleanupOnExit, createPrivateFile } from '../src/core/shellTraps.js';
import { withTrailer } from '../src/core/streamTrailer.js';
import { logsAt, type Connection, type ConnectionOptions, type ExecOptions, type ExecResult } from './connection.js';
import { localBuildHost, type BuildHost } from './buildHost.js';
import { firstLine } from './outputKeeper.js';
import { holdStdin, type TreeCommand, type TreeRunOptions, type TreeRunResult } from './treeProcess.js';
import type { TreeSettings } from './treeOptions.js';

/*
 * Transfers run through the tree's own shell, so that every path (and every symlink in it) is resolved
 * inside the tree, never on the controller. Paths come in as positional parameters ($1), never spliced into
 * the script: spaces, quotes, `$`, newlines and a leading dash stay one word.
 * Relative paths resolve against `/`, the working folder of every command.
 */
const ABSOLUTE = 'case $1 in /*) dest=$1 ;; *) dest=/$1 ;; esac';

/**
 * $1 destination, $2 random suffix. The bytes go to `.playtree-put-SUFFIX` beside the destination and are
 * renamed over it only once complete: a failure leaves the old file (or nothing). A symlink destination is
 * replaced, like Ansible's copy with follow=no; an existing file's owner and mode carry over (chown first:
 * it clears setuid bits), a new file gets 0666 less the shell's umask (`chmod =rw`). The temporary file is
 * created 0600 (umask 077) and gets that final mode only once every byte is in: the bytes may be a secret, which no
 * other user of the tree may read on the way. The trap that removes it is set BEFORE it is created, and is
 * never cleared on a failure: a signal racing the creating subshell (to it or to this shell first) must
 * still remove the file. The random suffix means nothing else stands at that name (noclobber refuses it if
 * it does). The trap is cleared after the rename, so a good transfer runs no rm; it also runs when the
 * script is stopped by a signal (an interrupted playtree). The trap ignores further signals while it removes
 * the file: an interrupt often comes as two (^C to the group, then playtree's SIGTERM to what the command
 * started), and the second one killed the trap's own `rm` (a `.playtree-put-*` file left, seen through
 * playtree_via's local carrier).
 * The stream ends with `/SUFFIX` (17 bytes, cut off before the rename): `cat` also ends, with success, when a
 * SIGKILLed playtree's end of the pipe closes, and the part that arrived must never replace the destination.
 */
const PUT_SCRIPT = `${ABSOLUTE}
tmp=\${dest%/*}/.playtree-put-$2
if [ -d "$dest" ]; then echo "$dest is a folder" >&2; exit 1; fi
${cleanupOnExit('rm -f -- "$tmp"')}
${createPrivateFile('"$tmp"')} || exit 1
cat >| "$tmp" || exit 1
[ "$(tail -c 17 -- "$tmp")" = "/$2" ] || { echo 'the content arrived incomplete' >&2; exit 1; }
truncate -s -17 -- "$tmp" || exit 1
if [ -e "$dest" ]; then chown --reference="$dest" -- "$tmp" 2>/dev/null; chmod --reference="$dest" -- "$tmp" || exit 1
else chmod =rw -- "$tmp" || exit 1; fi
mv -f -- "$tmp" "$dest" || exit 1
trap - EXIT`;

/** $1 destination, $2 suffix: remove what an abandoned PUT_SCRIPT left behind. */
const PUT_CLEANUP_SCRIPT = `${ABSOLUTE}
rm -f -- "\${dest%/*}/.playtree-put-$2"`;

/** $1 source. */
const FETCH_SCRIPT = `${ABSOLUTE}
exec cat -- "$dest"`;

/**
 * What chroot and nspawn share: commands through the tree's shell, streamed transfers, preconditions once.
 * A driver says how to run a command in the tree (`commandFor`) and what its tool adds around the output.
 */
export abstract class TreeConnection<Settings extends TreeSettings = TreeSettings> implements Connection {
  abstract readonly transport: string;
  private opening: Promise<void> | undefined;
  /** Where the tree is: the controller, or the host `playtree_via` names (set by open()). */
  protected buildHost: BuildHost = localBuildHost;

  constructor(
    protected readonly settings: Settings,
    protected readonly options: ConnectionOptions,
  ) {}

  /** The controller process that runs `payload` (shell argv) inside the tree. */
  protected abstract commandFor(payload: string[]): TreeCommand;
  /** Check every precondition; throw a one-line ConnectionError for the first one that fails. */
  protected abstract preflight(): Promise<void>;
  /** Remove the tool's own chatter from the command's stderr. */
  protected cleanStderr(stderr: Buffer): Buffer {
    return stderr;
  }
  /** A message when the tool itself failed (rather than the command), else undefined. */
  protected toolFailure(_result: TreeRunResult): string | undefined {
    return undefined;
  }

  open(): Promise<void> {
    // What a SIGKILLed run left running on the tree goes first: it would hold the tree (nspawn's lock) or
    // go on changing it under this run.
    this.opening ??= this.reachBuildHost()
      .then(() => this.stopStaleCommands())
      .then(() => this.preflight())
      .catch((error: unknown) => {
        this.opening = undefined;
        throw error;
      });
    return this.opening;
  }

  /** On a build host, this is also where the run's folder there is made: its failure makes the host unreachable. */
  private async stopStaleCommands(): Promise<void> {
    try {
      await this.buildHost.stopStaleCommands(this.settings.tree);
    } catch (error) {
      const { host } = this.settings;
      throw new ConnectionError(`${host}: ${(error as Error).message}`, host);
    }
  }

  /** With `playtree_via`: its host's connection (opened once per run), wrapped as this tree's build host. */
  private async reachBuildHost(): Promise<void> {
    const via = this.options.via;
    if (!via || this.buildHost !== localBuildHost) return;
    let carrier: Connection;
    try {
      carrier = await via.connect();
    } catch (error) {
      throw new ConnectionError(`${this.settings.host}: cannot reach build host ${via.host} (playtree_via): ${(error as Error).message}`, this.settings.host);
    }
    const { carriedBuildHost } = await import('./carriedBuildHost.js');
    this.buildHost = carriedBuildHost(via.host, carrier);
  }

  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const result = await this.run([this.settings.shell, '-c', command], options.stdin, undefined, options.keepOutput, options.stopsItself);
    if (result.streamError) {
      throw new ConnectionError(
        `${this.settings.host}: could not send stdin to a command in ${this.settings.tree}: ${result.streamError.message}`,
        this.settings.host,
      );
    }
    const { rc, stdout, stderr, stdoutDropped, stderrDropped } = result;
    return { rc, stdout, stderr, ...(stdoutDropped ? { stdoutDropped } : {}), ...(stderrDropped ? { stderrDropped } : {}) };
  }

  async put(source: Readable, remotePath: string): Promise<void> {
    const suffix = randomBytes(8).toString('hex');
    const payload = [this.settings.shell, '-c', PUT_SCRIPT, 'playtree-put', remotePath, suffix];
    const result = await this.run(payload, withTrailer(source, `/${suffix}`));
    if (result.rc === 0 && !result.streamError) return;
    if (result.streamError) {
      // Stopped mid-stream: the shell's trap did not run, so remove the temporary file from outside.
      await this.run([this.settings.shell, '-c', PUT_CLEANUP_SCRIPT, 'playtree-put', remotePath, suffix]).catch(() => {});
    }
    const from = describeStream(source, 'the given stream');
    throw this.transferError(`could not copy ${from} to ${remotePath}`, result);
  }

  async fetch(remotePath: string, sink: Writable): Promise<void> {
    const result = await this.run([this.settings.shell, '-c', FETCH_SCRIPT, 'playtree-fetch', remotePath], undefined, sink);
    if (result.rc === 0 && !result.streamError) return;
    const to = describeStream(sink, 'the given stream');
    throw this.transferError(`could not fetch ${remotePath} to ${to}`, result);
  }

  async close(): Promise<void> {
    this.opening = undefined;
  }

  private async run(payload: string[], source?: Buffer | string | Readable, stdout?: Writable, keepOutput?: number, stopsItself?: boolean): Promise<TreeRunResult> {
    const stdin = holdStdin(source);
    await this.open();
    const io: TreeRunOptions = {
      ...(stdin === undefined ? {} : { stdin }),
      ...(stdout ? { stdout } : {}),
      ...(keepOutput === undefined ? {} : { keepOutput }),
      ...(stopsItself ? { stopsItself } : {}),
    };
    const result = await this.runInTree(payload, io);
    const failure = this.toolFailure(result);
    if (failure !== undefined) throw new ConnectionError(`${this.settings.host}: ${failure}`, this.settings.host);
    return { ...result, stderr: this.cleanStderr(result.stderr) };
  }

  /** Run `payload` (shell argv) in the tree: by default as the controller process `commandFor` gives. */
  protected async runInTree(payload: string[], io: TreeRunOptions): Promise<TreeRunResult> {
    const command = this.commandFor(payload);
    if (logsAt(this.options, 3)) this.options.log(3, `<${this.settings.host}> ${this.transport.toUpperCase()} EXEC${this.buildHost.where ? ` (${this.buildHost.where.trim()})` : ''} ${shellJoin([command.file, ...command.args])}`);
    try {
      return await this.buildHost.run({ ...command, tree: this.settings.tree }, io);
    } catch (error) {
      const how = this.buildHost.where ? `could not run ${command.file}${this.buildHost.where}` : `could not start ${command.file}`;
      throw new ConnectionError(`${this.settings.host}: ${how}: ${(error as Error).message}`, this.settings.host);
    }
  }

  private transferError(what: string, result: TreeRunResult): ConnectionError {
    const reason =
      result.streamError?.message ?? (firstLine(result.stderr) || `exit code ${result.rc}`);
    return new ConnectionError(`${this.settings.host}: ${what} in ${this.settings.tree}: ${reason}`, this.settings.host);
  }
}

/** A file stream's path (fs.createReadStream/createWriteStream), for messages naming both ends. */
function describeStream(stream: Readable | Writable, fallback: string): string {
  const path = (stream as { path?: unknown }).path;
  return typeof path === 'string' ? path : Buffer.isBuffer(path) ? path.toString() : fallback;
}
