import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { shellQuote } from '../src/core/shellQuote.js';
import { within } from '../src/core/within.js';
import { keptOutput, OutputKeeper } from './outputKeeper.js';
import { SESSION_SERVER_SCRIPT } from './sshSessionScript.js';
import type { TreeCommand, TreeRunOptions, TreeRunResult } from './treeProcess.js';

/*
 * An ssh connection's command session: one ssh session per host, opened at the host's first command, whose
 * shell on the host (SESSION_SERVER_SCRIPT) runs the connection's commands one after another. A command then
 * costs a fork on the host instead of a new ssh client, a new session on the master and a login shell: about
 * 7 ms a command on a 2-core build machine, most of a task's cost over ssh.
 *
 * Only what the session can carry whole goes through it: no stdin or a small one that holds no NUL byte
 * (it travels as a quoted word of the request), output collected rather than streamed, and a caller that
 * does not stop the command itself. Everything else (transfers, fetches, long carrier execs), and any command
 * while the session is busy with another, runs as its own ssh command as before (ssh.ts decides).
 */

/** The largest stdin sent in a request (bigger ones stream through their own ssh command). */
export const SESSION_STDIN_LIMIT = 256 * 1024;
const START_TIMEOUT_MS = 30_000;
const CLOSE_WAIT_MS = 5_000;
/** What the session's ssh said last, kept for the message when it ends. */
const STDERR_KEPT = 4096;

type Phase = { delimiter: Buffer; take: (bytes: Buffer) => void; done: () => void };

/**
 * A command the session did not run: it ended before it read the request, or the command's output files
 * could not be made. Run it the usual way.
 */
export const NOT_RUN = Symbol('not run by the session');

export class SshSession {
  private readonly child: ChildProcess;
  private readonly mark = randomBytes(16).toString('hex');
  private phase: Phase | undefined;
  private held: Buffer = Buffer.alloc(0);
  private stderr = new OutputKeeper(STDERR_KEPT);
  private exitedAt: Promise<void>;
  private gone = false;
  private onGone: Array<() => void> = [];
  busy = false;

  private constructor(command: TreeCommand) {
    this.child = spawn(command.file, command.args, { stdio: ['pipe', 'pipe', 'pipe'], env: command.env ?? process.env, detached: true });
    this.exitedAt = new Promise((resolve) => this.child.once('close', () => resolve()));
    void this.exitedAt.then(() => {
      this.gone = true;
      for (const hook of this.onGone.splice(0)) hook();
    });
    this.child.once('error', () => undefined);
    this.child.stdin!.on('error', () => undefined);
    this.child.stdout!.on('data', (chunk: Buffer) => this.receive(chunk));
    this.child.stderr!.on('data', (chunk: Buffer) => this.stderr.add(chunk));
    this.keepAlive(false);
  }

  /** Start `command` (ssh running `/bin/sh -s` on the host); undefined when its server did not come up. */
  static async start(command: TreeCommand): Promise<SshSession | undefined> {
    const session = new SshSession(command);
    session.keepAlive(true);
    try {
      session.child.stdin!.write(`pt_m=${session.mark}\n${SESSION_SERVER_SCRIPT}`);
      const ready = session.readUntil(Buffer.from(`PT${session.mark}:READY\n`), () => undefined);
      if (await within(ready.then(() => true), START_TIMEOUT_MS)) return session;
      await session.close();
      return undefined;
    } catch {
      await session.close();
      return undefined;
    } finally {
      session.keepAlive(false);
    }
  }

  /** True while the session can take a command. */
  get usable(): boolean {
    return !this.gone && !this.busy;
  }

  /** Resolves once the session's ssh has exited. */
  get closed(): Promise<void> {
    return this.exitedAt;
  }

  /** True once the session's ssh has exited (its master or the host went away, or it was closed). */
  get ended(): boolean {
    return this.gone;
  }

  /**
   * Run `script` (shell text) with `mark` in its environment; NOT_RUN when the session did not. `started`
   * gets the pid of the command's subshell on the host. A session that ends under a started command gives
   * exit code 255 and what its ssh said, as a lost ssh command does.
   */
  async run(mark: string, script: string, stdin: Buffer | undefined, keepOutput: number | undefined, started: (pid: number) => void): Promise<TreeRunResult | typeof NOT_RUN> {
    this.busy = true;
    this.keepAlive(true);
    const stdout = new OutputKeeper(keepOutput);
    const stderr = new OutputKeeper(keepOutput);
    let rcText = '';
    try {
      const request = [Buffer.from(`pt_x ${mark} ${shellQuote(script)}`), ...(stdin ? [Buffer.from(' '), quoteBytes(stdin)] : []), Buffer.from('\n')];
      this.child.stdin!.write(Buffer.concat(request));
      try {
        await this.readUntil(Buffer.from(`PT${this.mark}:S\n`), () => undefined);
      } catch {
        return NOT_RUN;
      }
      let pid = '';
      await this.readUntil(Buffer.from(`PT${this.mark}:P `), () => undefined);
      await this.readUntil(Buffer.from('\n'), (bytes) => (pid += bytes.toString('latin1')));
      if (/^\d+$/.test(pid)) started(Number(pid));
      await this.readUntil(Buffer.from(`\nPT${this.mark}:E\n`), (bytes) => stdout.add(bytes));
      await this.readUntil(Buffer.from(`\nPT${this.mark}:R `), (bytes) => stderr.add(bytes));
      await this.readUntil(Buffer.from('\n'), (bytes) => (rcText += bytes.toString('latin1')));
    } catch {
      return { rc: 255, ...keptOutput(new OutputKeeper(), this.stderr) };
    } finally {
      this.busy = false;
      this.keepAlive(false);
    }
    if (rcText === 'F') return NOT_RUN;
    return { rc: Number(rcText), ...keptOutput(stdout, stderr) };
  }

  /** End the session: the server exits at the end of its input and removes its folder. */
  async close(): Promise<void> {
    if (!this.gone) this.child.stdin!.end();
    await within(this.exitedAt, CLOSE_WAIT_MS);
    if (!this.gone) this.child.kill('SIGTERM');
  }

  /** Between commands an open session must not keep playtree running; while one runs, it must. */
  private keepAlive(on: boolean): void {
    for (const stream of [this.child.stdin, this.child.stdout, this.child.stderr] as unknown as Socket[]) {
      if (on) stream.ref();
      else stream.unref();
    }
    if (on) this.child.ref();
    else this.child.unref();
  }

  /** Hand the session's output to `take` up to `delimiter`; rejects if the session ends first. */
  private readUntil(delimiter: Buffer, take: (bytes: Buffer) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.gone) return reject(new Error('the session ended'));
      const fail = () => reject(new Error('the session ended'));
      this.onGone.push(fail);
      this.phase = {
        delimiter,
        take,
        done: () => {
          this.onGone = this.onGone.filter((hook) => hook !== fail);
          resolve();
        },
      };
      this.receive(Buffer.alloc(0));
    });
  }

  /**
   * Output goes to the current phase's taker up to its delimiter. The last delimiter-length bytes are held
   * back until more comes: they may be the start of the delimiter.
   */
  private receive(chunk: Buffer): void {
    const data = this.held.length === 0 ? chunk : Buffer.concat([this.held, chunk]);
    const phase = this.phase;
    if (!phase) {
      this.held = data;
      return;
    }
    const at = data.indexOf(phase.delimiter);
    if (at >= 0) {
      if (at > 0) phase.take(data.subarray(0, at));
      this.held = data.subarray(at + phase.delimiter.length);
      this.phase = undefined;
      phase.done();
      return;
    }
    const keep = Math.min(data.length, phase.delimiter.length - 1);
    if (data.length > keep) phase.take(data.subarray(0, data.length - keep));
    this.held = Buffer.from(data.subarray(data.length - keep));
  }
}

/** `bytes` as one single-quoted shell word (no NUL: a shell word cannot hold one). */
function quoteBytes(bytes: Buffer): Buffer {
  const parts: Buffer[] = [Buffer.from("'")];
  let from = 0;
  for (let at = bytes.indexOf(0x27); at >= 0; at = bytes.indexOf(0x27, from)) {
    parts.push(bytes.subarray(from, at), Buffer.from("'\\''"));
    from = at + 1;
  }
  parts.push(bytes.subarray(from), Buffer.from("'"));
  return Buffer.concat(parts);
}

/** Whether `stdin` can travel in a request: none, or bytes (not a stream), small, and no NUL byte. */
export function fitsRequest(stdin: TreeRunOptions['stdin']): stdin is Buffer | string | undefined {
  if (stdin === undefined) return true;
  if (typeof stdin !== 'string' && !Buffer.isBuffer(stdin)) return false;
  const bytes = typeof stdin === 'string' ? Buffer.byteLength(stdin) : stdin.length;
  if (bytes > SESSION_STDIN_LIMIT) return false;
  return typeof stdin === 'string' ? !stdin.includes('\0') : !stdin.includes(0);
}
