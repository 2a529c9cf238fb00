import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ConnectionError } from '../src/core/errors.js';
import { newFileMode } from '../src/core/umask.js';
import type { Connection, ConnectionOptions, ExecOptions, ExecResult } from './connection.js';
import { resolveExecutable } from './connectionSettings.js';
import { trackRunningCommand } from './openConnections.js';
import { keptOutput, OutputKeeper } from './outputKeeper.js';
import { signalAll, signalNumber, stopWithGrace, withDescendants } from './processTree.js';

/** `ansible_connection=local`: commands and files on the controller itself. */
export class LocalConnection implements Connection {
  readonly transport = 'local';
  private readonly shell: string;

  constructor(
    private readonly options: ConnectionOptions,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.shell = resolveExecutable(options, env);
  }

  async open(): Promise<void> {}

  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    this.options.log(3, `<${this.options.host}> LOCAL EXEC ${this.shell} -c ${JSON.stringify(command)}`);
    const stdin = options.stdin;
    const streamed = stdin !== undefined && typeof stdin !== 'string' && !Buffer.isBuffer(stdin);
    // Loaded on first use: execa adds about 100 ms to every start, also of runs that never use local.
    const { execa } = await import('execa');
    const child = execa(this.shell, ['-c', command], {
      encoding: 'buffer',
      // Read here rather than buffered by execa: its maxBuffer kills a command that prints more than 100 MB.
      buffer: false,
      reject: false,
      stripFinalNewline: false,
      ...(stdin === undefined ? { stdin: 'ignore' as const } : streamed ? { stdin: 'pipe' as const } : { input: stdin }),
    });
    // The shell and whatever it started (cat, mv, a pipeline): killing the shell alone leaves them running.
    const signalCommand = (signal: NodeJS.Signals) => {
      if (child.pid !== undefined) signalAll(withDescendants(child.pid), signal);
    };
    const untrack = options.stopsItself ? () => {} : trackRunningCommand(() => stopWithGrace(signalCommand, child, () => child.stdin?.destroy()));
    const stdoutKept = new OutputKeeper(options.keepOutput);
    const stderrKept = new OutputKeeper(options.keepOutput);
    child.stdout!.on('data', (chunk: Buffer) => stdoutKept.add(chunk));
    child.stderr!.on('data', (chunk: Buffer) => stderrKept.add(chunk));
    // execa takes only file-backed streams as stdin; any other Readable is piped in here. A command that
    // exits without reading all of it closes the pipe: that is not an error of the transfer. A source that
    // fails stops the command first: it must not mistake the failure for the end of its input.
    let sourceError: Error | undefined;
    if (streamed) {
      stdin.once('error', (error: Error) => {
        sourceError = error;
        signalCommand('SIGKILL');
      });
      pipeline(stdin, child.stdin!).catch(() => undefined);
    }
    const result = await child;
    untrack();
    if (sourceError) {
      throw new ConnectionError(`${this.options.host}: could not send stdin to ${this.shell}: ${sourceError.message}`, this.options.host);
    }
    // Killed by a signal (`kill $$` in a task, an interrupt): a failed command with rc 128 + the signal's
    // number, as through chroot and nspawn. No exit code and no signal: the shell could not be started.
    if (result.exitCode === undefined && result.signal === undefined) {
      throw new ConnectionError(`${this.options.host}: could not run ${this.shell}: ${result.message}`, this.options.host);
    }
    return { rc: result.exitCode ?? 128 + signalNumber(result.signal), ...keptOutput(stdoutKept, stderrKept) };
  }

  async put(source: Readable, remotePath: string): Promise<void> {
    const temporary = join(dirname(remotePath), `.${basename(remotePath)}.playtree-${process.pid}-${Date.now()}`);
    // An interrupted playtree exits right after its clean-up: the temporary file goes then, not later.
    const untrack = trackRunningCommand(async () => {
      source.destroy(new Error('playtree was interrupted'));
      await rm(temporary, { force: true });
    });
    try {
      // Created 0600: the bytes may be a secret, which no other user may read on the way. The file gets the
      // mode a plain write gives a new file (0666 less the umask) only once every byte is in.
      await pipeline(source, createWriteStream(temporary, { flags: 'wx', mode: 0o600 }));
      await chmod(temporary, newFileMode());
      await rename(temporary, remotePath);
    } catch (error) {
      await rm(temporary, { force: true });
      throw new ConnectionError(`${this.options.host}: could not write ${remotePath}: ${(error as Error).message}`, this.options.host);
    } finally {
      untrack();
    }
  }

  async fetch(remotePath: string, sink: Writable): Promise<void> {
    try {
      await pipeline(createReadStream(remotePath), sink);
    } catch (error) {
      throw new ConnectionError(`${this.options.host}: could not read ${remotePath}: ${(error as Error).message}`, this.options.host);
    }
  }

  async close(): Promise<void> {}
}

export function createLocalConnection(options: ConnectionOptions): Connection {
  return new LocalConnection(options);
}
