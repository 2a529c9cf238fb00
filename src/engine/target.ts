import { Readable, type Writable } from 'node:stream';
import type { Connection, ExecResult } from '../../connections/connection.js';
import type { TreeFiles } from '../../connections/treeFiles.js';
import type { Target } from '../../modules/module.js';
import { ModuleError } from '../core/errors.js';
import { shellJoin, shellQuote } from '../core/shellQuote.js';
import { createPrivateFile } from '../core/shellTraps.js';

/** $1 the temporary file: created 0600 with noclobber, filled from stdin, then given 0666 less the umask (=rw). */
const BECOME_PUT_SCRIPT = `${createPrivateFile('"$1"')} && cat >| "$1" && chmod =rw -- "$1"`;

/** How a task wants its commands run: `environment:` and `become`/`become_user`. */
export interface TaskExecution {
  environment?: Record<string, string>;
  /** The user to become, when `become` is on and that user differs from the connection's. */
  becomeUser?: string;
  /** sudo (the default), su, or runuser (playtree's own: root switching to any user, no password). */
  becomeMethod?: string;
  /** The become method's program, when not its own name (ansible_become_exe). */
  becomeExe?: string;
  /** -K or ansible_become_password: given to sudo (not to su, which reads it from a terminal only). */
  becomePassword?: string;
  /** The shell to run commands with inside become (ansible_executable). */
  executable?: string;
}

/**
 * The Target a module sees: the host's Connection with the task's environment and become applied to
 * every command, and each round trip counted (shown at -vvv, summed by the benchmark).
 */
export class ConnectionTarget implements Target {
  /** Commands and transfers sent through this target. */
  roundTrips = 0;

  constructor(
    private readonly connection: Connection,
    private readonly execution: TaskExecution = {},
  ) {}

  get transport(): string {
    return this.connection.transport;
  }

  /** Read from the controller only as the connection's root: become's user may see less (or other files). */
  get files(): TreeFiles | undefined {
    return this.execution.becomeUser ? undefined : this.connection.treeFiles?.();
  }

  exec(
    command: string | readonly string[],
    options: { stdin?: Buffer | string | Readable; cwd?: string; keepOutput?: number } = {},
  ): Promise<ExecResult> {
    this.roundTrips++;
    let text = typeof command === 'string' ? command : shellJoin(command);
    if (options.cwd) text = `cd ${shellQuote(options.cwd)} && ${text}`;
    const env = Object.entries(this.execution.environment ?? {});
    if (env.length) text = env.map(([k, v]) => `${k}=${shellQuote(v)}`).join(' ').concat('; export ', env.map(([k]) => k).join(' '), '; ', text);
    let { stdin } = options;
    if (this.execution.becomeUser) {
      text = shellJoin(becomeArgv(this.execution, this.execution.becomeUser, text));
      if (this.execution.becomePassword !== undefined && (this.execution.becomeMethod ?? 'sudo') === 'sudo') {
        stdin = withFirstLine(this.execution.becomePassword, stdin);
      }
    }
    const { keepOutput } = options;
    return this.connection.exec(text, { ...(stdin === undefined ? {} : { stdin }), ...(keepOutput === undefined ? {} : { keepOutput }) });
  }

  async put(source: Readable | Buffer | string, remotePath: string): Promise<void> {
    this.roundTrips++;
    const stream = typeof source === 'string' || Buffer.isBuffer(source) ? Readable.from([Buffer.from(source)]) : source;
    if (!this.execution.becomeUser) return this.connection.put(stream, remotePath);
    // As another user: stream through that user's `cat` so the file gets that user's ownership and rights.
    // The rename is a second command, sent only once every byte arrived: sudo runs the shell as its own
    // child, so stopping the command when the source fails cannot be relied on to keep `mv` from running.
    // On any failure the temporary file is removed: no partial file is left. It is created 0600 (the bytes
    // may be a secret) under a fresh name, and gets a new file's usual mode (0666 less the umask) once full.
    const temporary = `${remotePath}.playtree-tmp-${process.getBuiltinModule('node:crypto').randomBytes(4).toString('hex')}`;
    let reason: string;
    try {
      const written = await this.exec(['sh', '-c', BECOME_PUT_SCRIPT, 'sh', temporary], { stdin: stream });
      const moved = written.rc === 0 ? await this.exec(['mv', '-f', temporary, remotePath]) : written;
      if (moved.rc === 0) return;
      reason = moved.stderr.toString().trim() || `rc ${moved.rc}`;
    } catch (error) {
      reason = (error as Error).message;
    }
    await this.exec(['rm', '-f', temporary]);
    throw new ModuleError(`could not write ${remotePath} as ${this.execution.becomeUser}: ${reason}`);
  }

  fetch(remotePath: string, sink: Writable): Promise<void> {
    this.roundTrips++;
    return this.connection.fetch(remotePath, sink);
  }
}

/**
 * With a password, sudo first checks it alone (`sudo -v`, fed the first line of stdin through a builtin
 * printf, so it shows in no process list), then runs the command with -n from the same shell, which sudo's
 * credential cache lets through (the same parent process: not exec'd); the command's own stdin is what
 * follows the first line. A wrong password fails the task with sudo's message; the password never reaches
 * the command.
 */
const SUDO_WITH_PASSWORD = 'IFS= read -r p; printf "%s\\n" "$p" | "$1" -S -p "" -v; s=$?; unset p; [ "$s" = 0 ] || exit "$s"; shift; "$@"';

/** The become method's command line around the shell command `text`. */
function becomeArgv(execution: TaskExecution, user: string, text: string): string[] {
  const shell = execution.executable ?? '/bin/sh';
  const method = execution.becomeMethod ?? 'sudo';
  const exe = execution.becomeExe ?? method;
  if (method === 'sudo') {
    const sudo = [exe, '-H', '-S', '-n', '-u', user, shell, '-c', text];
    return execution.becomePassword === undefined ? sudo : ['sh', '-c', SUDO_WITH_PASSWORD, 'sh', exe, ...sudo];
  }
  // -s: a user whose login shell is nologin (nobody, system users) still runs the command, as with sudo.
  if (method === 'su') return [exe, '-s', shell, user, '-c', text];
  if (method === 'runuser') return [exe, '-u', user, '--', shell, '-c', text];
  throw new ModuleError(`become_method '${method}' is not supported; use sudo, su or runuser`);
}

/** `line` and a newline, then whatever `stdin` holds. */
function withFirstLine(line: string, stdin: Buffer | string | Readable | undefined): Readable {
  const first = Buffer.from(`${line}\n`);
  if (stdin === undefined) return Readable.from([first]);
  if (typeof stdin === 'string' || Buffer.isBuffer(stdin)) return Readable.from([first, Buffer.from(stdin)]);
  return Readable.from(
    (async function* () {
      yield first;
      yield* stdin;
    })(),
  );
}
