import { randomBytes } from 'node:crypto';
import { shellJoin } from '../src/core/shellQuote.js';
import { expandingShellWord } from './argvExpansion.js';
import { addTruncationNotes, commandStreams, formatDelta, formatTimestamp, KEEP_COMMAND_OUTPUT, nowMicros, splitLines } from './commandResult.js';
import type { ModuleContext, ModuleResult } from './module.js';
import { withProperties } from '../src/core/objectCopies.js';

/**
 * What the command and shell modules share: ansible's command module (`_uses_shell` false or true) after the
 * arguments were checked. The `chdir`, `creates`/`removes` checks and the command itself go to the target as
 * ONE script, so a command costs one round trip; the checks tell their outcome on stderr with a random marker
 * the command cannot guess.
 */
export interface CommandRequest {
  /** The command: argv words (command module, run without a shell) or shell text (shell module). */
  command: { argv: string[] } | { shellText: string; executable?: string };
  /** What the result's `cmd` shows: the argv list, or the shell text. */
  cmd: string[] | string;
  chdir?: string;
  creates?: string;
  removes?: string;
  stdin?: string;
  stdinAddNewline: boolean;
  stripEmptyEnds: boolean;
  warnings?: string[];
}

type Outcome = 'chdir' | 'creates' | 'removes' | 'notfound';

export async function runCommand(ctx: ModuleContext, request: CommandRequest): Promise<ModuleResult> {
  const result: ModuleResult = {
    changed: false, stdout: '', stderr: '', rc: undefined, cmd: request.cmd, start: null, end: null, delta: null, msg: '',
  };
  if (request.warnings?.length) result['warnings'] = request.warnings;
  const marker = `playtree-${randomBytes(8).toString('hex')}`;
  const checks = checkLines(request, marker);
  const needsChecks = request.chdir !== undefined || request.creates !== undefined || request.removes !== undefined;

  if (ctx.check && !needsChecks) return withLines(skippedInCheckMode(result));

  const script = ctx.check ? [...checks, 'exit 0'] : [...checks, commandLine(request, marker)];
  const start = nowMicros();
  const stdin = request.stdin === undefined || ctx.check ? {} : { stdin: stdinBytes(request) };
  const answer = await ctx.target.exec(script.join('\n'), { ...stdin, ...KEEP_COMMAND_OUTPUT });
  const end = nowMicros();
  const streams = commandStreams(answer);
  const stderr = streams.stderr.text;
  const outcome = readOutcome(stderr, marker);
  const should = ctx.check ? 'Would' : 'Did';

  switch (outcome?.kind) {
    case 'chdir':
      return withLines({ ...result, failed: true, msg: `Unable to change directory before execution: ${outcome.before}: b'${request.chdir}'` });
    case 'creates':
      return withLines({ ...result, rc: 0, msg: `${should} not run command since '${request.creates}' exists`, stdout: `skipped, since ${request.creates} exists` });
    case 'removes':
      return withLines({ ...result, rc: 0, msg: `${should} not run command since '${request.removes}' does not exist`, stdout: `skipped, since ${request.removes} does not exist` });
    case 'notfound': {
      // run_command's own failure: a fresh result whose cmd is the words joined with Python's shlex.quote
      const argv = 'argv' in request.command ? request.command.argv : [];
      return withLines({
        changed: false, failed: true, rc: 2, cmd: argv.map(pythonShellQuote).join(' '), stdout: '', stderr: '',
        msg: `[Errno 2] No such file or directory: b'${argv[0]}'`,
      });
    }
  }
  if (ctx.check) {
    result.changed = true;
    result.rc = 0;
    result.msg = 'Command would have run if not in check mode';
    // creates/removes absent: only chdir was checked, and Ansible skips the command
    return withLines(request.creates === undefined && request.removes === undefined ? skippedInCheckMode(result) : result);
  }

  const stdout = streams.stdout.text;
  addTruncationNotes(result, streams);
  Object.assign(result, {
    changed: true,
    rc: answer.rc,
    stdout: request.stripEmptyEnds ? stripLineEnds(stdout) : stdout,
    stderr: request.stripEmptyEnds ? stripLineEnds(stderr) : stderr,
    start: formatTimestamp(start),
    end: formatTimestamp(end),
    delta: formatDelta(end - start),
  });
  if (answer.rc !== 0) Object.assign(result, { failed: true, msg: 'non-zero return code' });
  return withLines(result);
}

/** Python's `text.rstrip("\r\n")`: every trailing CR and LF (a loop: a regex would backtrack on long runs). */
function stripLineEnds(text: string): string {
  let end = text.length;
  while (end > 0 && (text[end - 1] === '\n' || text[end - 1] === '\r')) end--;
  return text.slice(0, end);
}

/** Python's shlex.quote. */
function pythonShellQuote(word: string): string {
  if (word === '') return "''";
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'"'"'`)}'`;
}

function skippedInCheckMode(result: ModuleResult): ModuleResult {
  return { ...result, changed: false, skipped: true, rc: 0, msg: 'Command would have run if not in check mode' };
}

/** The action plugin adds stdout_lines/stderr_lines to every command result. */
function withLines(result: ModuleResult): ModuleResult {
  return withProperties(result, { stdout_lines: splitLines(result.stdout ?? ''), stderr_lines: splitLines(result.stderr ?? '') });
}

function stdinBytes(request: CommandRequest): string {
  const data = request.stdin ?? '';
  // run_command adds the newline only to non-empty data
  return data && request.stdinAddNewline ? `${data}\n` : data;
}

/** Shell lines that enter chdir and stop (telling why on stderr) when creates/removes say to skip. */
function checkLines(request: CommandRequest, marker: string): string[] {
  const tell = (outcome: Outcome, rc: number) => `{ printf '%s' ${marker}:${outcome} >&2; exit ${rc}; }`;
  const lines: string[] = [];
  if (request.chdir !== undefined) {
    const dir = expandingShellWord(request.chdir);
    // the errno text Python's os.chdir would raise, for Ansible's message
    const errno = `if [ ! -e ${dir} ]; then printf '[Errno 2] No such file or directory' >&2; elif [ ! -d ${dir} ]; then printf '[Errno 20] Not a directory' >&2; else printf '[Errno 13] Permission denied' >&2; fi`;
    lines.push(`cd -- ${dir} 2>/dev/null || { ${errno}; ${tell('chdir', 1)}; }`);
  }
  // Python's glob.glob: a pattern without matches is false, a plain name is tested as is (lexists)
  const exists = (pattern: string) =>
    `for playtree_f in ${expandingShellWord(pattern, globWord)}; do if [ -e "$playtree_f" ] || [ -L "$playtree_f" ]; then`;
  if (request.creates !== undefined) lines.push(`${exists(request.creates)} ${tell('creates', 0)}; fi; done`);
  if (request.removes !== undefined) {
    lines.push(`playtree_found=; ${exists(request.removes)} playtree_found=1; fi; done; [ -n "$playtree_found" ] || ${tell('removes', 0)}`);
  }
  return lines;
}

function commandLine(request: CommandRequest, marker: string): string {
  const command = request.command;
  if ('shellText' in command) {
    return command.executable === undefined ? command.shellText : `exec ${shellJoin([command.executable, '-c', command.shellText])}`;
  }
  // execvp's "No such file or directory" is told apart from a command that itself exits 127
  const words = command.argv.map((word) => expandingShellWord(word));
  return `command -v -- ${words[0]} >/dev/null 2>&1 || { printf '%s' ${marker}:notfound >&2; exit 2; }\nexec ${words.join(' ')}`;
}

/** A glob pattern as a shell word: `*`, `?` and `[...]` stay active, every other character is quoted. */
function globWord(pattern: string): string {
  return pattern.replace(/[^A-Za-z0-9_/.,:@%+=!^\]*?[-]/g, (ch) => (ch === "'" ? "\\'" : `'${ch}'`));
}

function readOutcome(stderr: string, marker: string): { kind: Outcome; before: string } | undefined {
  const at = stderr.lastIndexOf(`${marker}:`);
  if (at < 0) return undefined;
  return { kind: stderr.slice(at + marker.length + 1).trim() as Outcome, before: stderr.slice(0, at) };
}
