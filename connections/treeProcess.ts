import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';

/** One controller process that reaches into the tree (systemd-nspawn or chroot), as data. */
export interface TreeCommand {
  file: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /**
   * How to stop it when a transfer is abandoned: nspawn turns SIGTERM into killing its whole container;
   * a chroot'ed shell and its children share a process group that must be killed together.
   */
  stop: { signal: NodeJS.Signals; wholeGroup: boolean };
}

export interface TreeRunOptions {
  /** Bytes or a stream for stdin; undefined = /dev/null, so a command reading stdin sees EOF at once. */
  stdin?: Buffer | string | Readable;
  /** Stream stdout here instead of collecting it (fetch of large files). */
  stdout?: Writable;
}

export interface TreeRunResult {
  rc: number;
  stdout: Buffer;
  stderr: Buffer;
  /** Set when our side failed (stdin source or stdout sink errored) and the process was stopped. */
  streamError?: Error;
}

/** Run a command to completion, stdin and stdout streamed with back-pressure, never buffered whole. */
export function runTreeCommand(command: TreeCommand, options: TreeRunOptions = {}): Promise<TreeRunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command.file, command.args, {
      stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      env: command.env ?? process.env,
      detached: command.stop.wholeGroup,
    });
    let streamError: Error | undefined;
    const stop = (error: Error) => {
      streamError ??= error;
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      try {
        process.kill(command.stop.wholeGroup ? -child.pid : child.pid, command.stop.signal);
      } catch {
        // Already gone: nothing to stop.
      }
    };

    const stdoutChunks: Buffer[] = [];
    const stderrChunks: Buffer[] = [];
    const sinkDone = options.stdout ? pipeInto(child.stdout!, options.stdout, stop) : Promise.resolve();
    if (!options.stdout) child.stdout!.on('data', (chunk: Buffer) => stdoutChunks.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => stderrChunks.push(chunk));

    if (child.stdin) {
      // A command that exits without reading all its stdin closes the pipe (EPIPE): that is its business.
      child.stdin.on('error', () => {});
      const input = options.stdin;
      if (typeof input === 'string' || Buffer.isBuffer(input)) child.stdin.end(input);
      else if (input) {
        input.once('error', (error: Error) => stop(error));
        input.pipe(child.stdin);
      }
    }

    child.once('error', reject);
    child.once('close', (code, signal) => {
      // A command that stopped reading (or failed) leaves the source half read: release it.
      const input = options.stdin;
      if (input && typeof input !== 'string' && !Buffer.isBuffer(input) && !input.readableEnded) input.destroy();
      sinkDone.then(() => {
        resolve({
          rc: code ?? 128 + signalNumber(signal),
          stdout: Buffer.concat(stdoutChunks),
          stderr: Buffer.concat(stderrChunks),
          ...(streamError ? { streamError } : {}),
        });
      }, reject);
    });
  });
}

/** Pipe without letting a sink's error go unhandled; end the sink when stdout ends. */
async function pipeInto(source: Readable, sink: Writable, onError: (error: Error) => void): Promise<void> {
  sink.once('error', (error: Error) => {
    source.unpipe(sink);
    source.resume();
    onError(error);
  });
  source.pipe(sink);
  await finished(sink, { readable: false }).catch(() => {});
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal ? (constants.signals[signal] ?? 0) : 0;
}
