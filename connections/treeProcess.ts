import { spawn } from 'node:child_process';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { trackRunningCommand } from './openConnections.js';
import { keptOutput, OutputKeeper } from './outputKeeper.js';
import { childrenOf, signalAll, signalNumber, stopWithGrace, withDescendants } from './processTree.js';
import { recordCommand } from './staleCommands.js';

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
  /** The tree it works on: recorded while it runs, so that the next run stops it if playtree is SIGKILLed. */
  tree?: string;
}

export interface TreeRunOptions {
  /** Bytes or a stream for stdin; undefined = /dev/null, so a command reading stdin sees EOF at once. */
  stdin?: Buffer | string | Readable;
  /** Stream stdout here instead of collecting it (fetch of large files). */
  stdout?: Writable;
  /** Keep only the last this many bytes of collected stdout and of stderr (ExecOptions.keepOutput). */
  keepOutput?: number;
  /** The caller stops the command itself when playtree is interrupted (ExecOptions.stopsItself). */
  stopsItself?: boolean;
}

export interface TreeRunResult {
  rc: number;
  stdout: Buffer;
  stderr: Buffer;
  stdoutDropped?: number;
  stderrDropped?: number;
  /** Set when our side failed (stdin source or stdout sink errored) and the process was stopped. */
  streamError?: Error;
}

/**
 * How long collected output may stay open after the command's main process exited. A background job
 * (`daemon &`) may hold the command's stdout for as long as it runs: like ansible-core's run_command (which
 * stops after one quiet second once the process is gone), playtree then stops reading instead of waiting
 * for the job to end.
 */
export const OUTPUT_GRACE_MS = 1000;

/**
 * Run a command to the exit of its main process, stdin and stdout streamed with back-pressure, never
 * buffered whole. Collected output is read until its pipes close or stay quiet for OUTPUT_GRACE_MS after
 * the exit; output streamed into `options.stdout` is read to its end (a fetch must not lose a byte).
 */
export function runTreeCommand(command: TreeCommand, options: TreeRunOptions = {}): Promise<TreeRunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command.file, command.args, {
      stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      env: command.env ?? process.env,
      // Always its own process group: a terminal's ^C reaches playtree's group only, and playtree then stops
      // the command its way (systemd-nspawn given SIGINT itself would kill its container before the
      // command's traps remove a transfer's temporary file).
      detached: true,
    });
    const signal = (name: NodeJS.Signals) => {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(command.stop.wholeGroup ? -child.pid : child.pid, name);
      } catch {
        // Already gone: nothing to stop.
      }
    };
    // An interrupted playtree stops the command: SIGTERM to the command's own processes first, so that its
    // traps remove temporary files (chroot execs the shell, so that is the whole group; systemd-nspawn would
    // tear its container down at once, so it is spared), then the usual stop if it is still there.
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    const commandPids = () => {
      if (child.pid === undefined) return [];
      return command.stop.wholeGroup ? withDescendants(child.pid) : childrenOf(child.pid).flatMap(withDescendants);
    };
    const untrackRunning = trackRunningCommand(() =>
      stopWithGrace((name) => (name === 'SIGTERM' ? signalAll(commandPids(), 'SIGTERM') : signal(command.stop.signal)), exited, () => child.stdin?.destroy()));
    const unrecord = command.tree === undefined ? () => {} : recordCommand(child.pid, command.tree, command.stop.wholeGroup ? 'group' : 'nspawn');
    const untrack = () => {
      untrackRunning();
      unrecord();
    };
    let streamError: Error | undefined;
    const stop = (error: Error) => {
      streamError ??= error;
      signal(command.stop.signal);
    };

    const stdoutKept = new OutputKeeper(options.keepOutput);
    const stderrKept = new OutputKeeper(options.keepOutput);
    const sinkDone = options.stdout ? pipeInto(child.stdout!, options.stdout, stop) : Promise.resolve();
    if (!options.stdout) child.stdout!.on('data', (chunk: Buffer) => stdoutKept.add(chunk));
    child.stderr!.on('data', (chunk: Buffer) => stderrKept.add(chunk));

    if (child.stdin) {
      // A command that exits without reading all its stdin closes the pipe (EPIPE): that is its business.
      child.stdin.on('error', () => {});
      const input = options.stdin;
      if (typeof input === 'string' || Buffer.isBuffer(input)) child.stdin.end(input);
      else if (input) {
        // Stopped, not ended: the command must not mistake a failed source for the end of its input.
        input.once('error', (error: Error) => stop(error));
        input.pipe(child.stdin);
      }
    }

    child.once('error', (error) => {
      untrack();
      reject(error);
    });
    child.once('exit', () => {
      untrack();
      // A command that stopped reading (or failed) leaves the source half read: release it.
      const input = options.stdin;
      if (input && typeof input !== 'string' && !Buffer.isBuffer(input) && !input.readableEnded) input.destroy();
      if (!options.stdout) stopReadingWhenQuiet([child.stdout!, child.stderr!]);
    });
    child.once('close', (code, signal) => {
      sinkDone.then(() => {
        resolve({
          rc: code ?? 128 + signalNumber(signal),
          ...keptOutput(stdoutKept, stderrKept),
          ...(streamError ? { streamError } : {}),
        });
      }, reject);
    });
  });
}

/**
 * Close `outputs` once none of them has said anything for OUTPUT_GRACE_MS, or leave them once they close:
 * `closed` says when (a caller that already waits for their 'close' events), else stream.finished does.
 */
export function stopReadingWhenQuiet(outputs: Readable[], closed?: Promise<unknown>): void {
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => outputs.forEach((output) => output.destroy()), OUTPUT_GRACE_MS);
  };
  arm();
  // Output still flowing is the command's own, not yet read: keep reading while it comes.
  for (const output of outputs) output.on('data', arm);
  (closed ?? Promise.all(outputs.map((output) => finished(output).catch(() => {})))).then(() => clearTimeout(timer));
}

/** Pipe without letting a sink's error go unhandled; end the sink when stdout ends. */
export async function pipeInto(source: Readable, sink: Writable, onError: (error: Error) => void): Promise<void> {
  sink.once('error', (error: Error) => {
    source.unpipe(sink);
    source.resume();
    onError(error);
  });
  source.pipe(sink);
  await finished(sink, { readable: false }).catch(() => {});
}


/**
 * Take hold of a stdin stream at once, before the command can take it (the container may still be starting,
 * or another command running): a child process's stdout that nobody reads is drained and lost when that
 * child exits (Node resumes it). Back-pressure still pauses the source; its error reaches the holder.
 */
export function holdStdin<T extends Buffer | string | Readable | undefined>(source: T): T | PassThrough {
  if (source === undefined || typeof source === 'string' || Buffer.isBuffer(source)) return source;
  const held = new PassThrough();
  source.once('error', (error: Error) => held.destroy(error));
  return source.pipe(held);
}
