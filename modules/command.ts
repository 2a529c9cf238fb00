import { ModuleError } from '../src/core/errors.js';
import { runCommand, type CommandRequest } from './commandRun.js';
import type { ArgSpec, ModuleContext, ModuleDefinition, ModuleResult } from './module.js';
import { shlexSplit } from '../src/core/shlex.js';

/**
 * ansible.builtin.command: free form (`command: ls -l "a b"`, split as Python's shlex does) or `cmd`, or
 * `argv`; chdir, creates, removes (glob patterns, tested on the target), stdin, stdin_add_newline,
 * strip_empty_ends. No shell: `*`, `|`, `;`, `$(...)` reach the program literally; only `$VAR`/`${VAR}` and a
 * leading `~` are expanded, as ansible's run_command does (see argvExpansion.ts). `executable` is accepted and ignored with Ansible's warning. Differs from Ansible: the
 * `warn` option of old releases is not accepted (removed in ansible-core 2.14).
 */
export const commandArgs: Record<string, ArgSpec> = {
  _raw_params: { type: 'str' },
  cmd: { type: 'str' },
  chdir: { type: 'path' },
  creates: { type: 'path' },
  removes: { type: 'path' },
  stdin: { type: 'str' },
  stdin_add_newline: { type: 'bool', default: true },
  strip_empty_ends: { type: 'bool', default: true },
};

/** The command text from free form or `cmd:` (Ansible's Task moves `cmd` into `_raw_params`). */
export function commandText(args: Record<string, unknown>): string | undefined {
  const raw = args['_raw_params'] as string | undefined;
  const cmd = args['cmd'] as string | undefined;
  if (cmd !== undefined && raw !== undefined && raw !== '') {
    throw new ModuleError("The 'cmd' argument cannot be used when other raw parameters are specified. Please put everything in one or the other place.");
  }
  return cmd ?? raw;
}

/** The options command and shell share, from their validated arguments (see `commandArgs`). */
export function sharedCommandOptions(args: Record<string, unknown>): Pick<CommandRequest, 'chdir' | 'creates' | 'removes' | 'stdin' | 'stdinAddNewline' | 'stripEmptyEnds'> {
  return {
    chdir: args['chdir'] as string | undefined,
    creates: args['creates'] as string | undefined,
    removes: args['removes'] as string | undefined,
    stdin: args['stdin'] as string | undefined,
    stdinAddNewline: args['stdin_add_newline'] as boolean,
    stripEmptyEnds: args['strip_empty_ends'] as boolean,
  };
}

/** Ansible's answer when there is nothing to run (rc 256, as the command module). */
export function commandUsageFailure(msg: string): ModuleResult {
  return { changed: false, failed: true, rc: 256, msg, cmd: null, stdout: '', stderr: '', stdout_lines: [], stderr_lines: [] };
}

async function run(ctx: ModuleContext): Promise<ModuleResult> {
  const args = ctx.args;
  const text = commandText(args);
  const argvArg = args['argv'] as string[] | undefined;
  const argvGiven = argvArg !== undefined && argvArg.length > 0;
  if ((text === undefined || text.trim() === '') && !argvGiven) return commandUsageFailure('no command given');
  if (text !== undefined && text !== '' && argvGiven) return commandUsageFailure('only command or argv can be given, not both');
  const argv = argvGiven ? argvArg : shlexSplit(text!);
  const executable = args['executable'] as string | undefined;
  return runCommand(ctx, {
    command: { argv },
    cmd: argv,
    ...sharedCommandOptions(args),
    warnings: executable
      ? [`As of Ansible 2.4, the parameter 'executable' is no longer supported with the 'command' module. Not using '${executable}'.`]
      : [],
  });
}

export const commandModule: ModuleDefinition = {
  name: 'command',
  freeForm: '_raw_params',
  args: { ...commandArgs, argv: { type: 'list', elements: 'str' }, executable: { type: 'str' } },
  run,
};
