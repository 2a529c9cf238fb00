import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import type { Readable } from 'node:stream';
import type { TreeCommand, TreeRunResult } from './treeProcess.js';

/**
 * How long output pipes may stay open after the command's shell exited. In a persistent container a
 * background job (`daemon &`) keeps running and may hold the command's stdout: like ansible-core's
 * run_command (which stops after one quiet second once the process is gone), playtree then stops reading
 * instead of waiting for the job to end.
 */
export const OUTPUT_GRACE_MS = 1000;

/**
 * Run one command to the exit of its main process, collecting stdout and stderr; stdin streamed with
 * back-pressure. Unlike runTreeCommand it does not wait for every holder of the output pipes to go away.
 */
export function runCommandToExit(command: TreeCommand, stdin?: Buffer | string | Readable, graceMs = OUTPUT_GRACE_MS): Promise<TreeRunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command.file, command.args, {
      stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      env: command.env ?? process.env,
      detached: command.stop.wholeGroup,
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk));
    const ended = Promise.all([child.stdout!, child.stderr!].map((stream) => new Promise((done) => stream.once('close', done))));

    if (child.stdin) {
      // A command that exits without reading all its stdin closes the pipe (EPIPE): that is its business.
      child.stdin.on('error', () => {});
      if (typeof stdin === 'string' || Buffer.isBuffer(stdin)) child.stdin.end(stdin);
      else if (stdin) {
        stdin.once('error', () => child.stdin!.destroy());
        stdin.pipe(child.stdin);
      }
    }

    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (stdin && typeof stdin !== 'string' && !Buffer.isBuffer(stdin) && !stdin.readableEnded) stdin.destroy();
      let timer: NodeJS.Timeout | undefined;
      const quiet = new Promise<void>((done) => {
        const arm = () => {
          clearTimeout(timer);
          timer = setTimeout(done, graceMs);
        };
        arm();
        // Output still flowing is the command's own, not yet read: keep reading while it comes.
        child.stdout!.on('data', arm);
        child.stderr!.on('data', arm);
      });
      void Promise.race([ended, quiet]).then(() => {
        clearTimeout(timer);
        child.stdout!.destroy();
        child.stderr!.destroy();
        resolve({ rc: code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0), stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr) });
      });
    });
  });
}
