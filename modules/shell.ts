import { commandArgs, commandText, commandUsageFailure, sharedCommandOptions } from './command.js';
import { runCommand } from './commandRun.js';
import type { ModuleContext, ModuleDefinition, ModuleResult } from './module.js';

/**
 * ansible.builtin.shell: free form or `cmd`, run through `/bin/sh -c` as written (pipes, globs, `$VARS`,
 * here-documents), or through `executable -c` when given; chdir, creates, removes, stdin, stdin_add_newline,
 * strip_empty_ends as the command module. The result's `cmd` is the text, as in Ansible.
 */
async function run(ctx: ModuleContext): Promise<ModuleResult> {
  const args = ctx.args;
  const text = commandText(args);
  if (text === undefined || text.trim() === '') return commandUsageFailure('no command given');
  const executable = args['executable'] as string | undefined;
  return runCommand(ctx, {
    command: executable ? { shellText: text, executable } : { shellText: text },
    cmd: text,
    ...sharedCommandOptions(args),
  });
}

export const shellModule: ModuleDefinition = {
  name: 'shell',
  freeForm: '_raw_params',
  args: { ...commandArgs, executable: { type: 'path' } },
  run,
};
