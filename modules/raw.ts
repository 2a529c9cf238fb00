import { shellJoin } from '../src/core/shellQuote.js';
import { addTruncationNotes, commandStreams, KEEP_COMMAND_OUTPUT, splitLines } from './commandResult.js';
import type { ModuleContext, ModuleDefinition, ModuleResult } from './module.js';

/**
 * ansible.builtin.raw: the free-form text goes to the target's shell untouched (or to `executable -c`), with
 * no checks around it; stdout and stderr are returned unstripped. Skipped in check mode, as in Ansible.
 * `environment:` is applied (Ansible ignores it with a warning for raw).
 */
async function run(ctx: ModuleContext): Promise<ModuleResult> {
  if (ctx.check) return { changed: false, skipped: true };
  const text = (ctx.args['_raw_params'] as string | undefined) ?? '';
  if (text.trim() === '') return { changed: false, failed: true, msg: 'no command given' };
  const executable = ctx.args['executable'] as string | undefined;
  const answer = await ctx.target.exec(executable ? shellJoin([executable, '-c', text]) : text, KEEP_COMMAND_OUTPUT);
  const streams = commandStreams(answer);
  const stdout = streams.stdout.text;
  const stderr = streams.stderr.text;
  const result: ModuleResult = {
    changed: true,
    rc: answer.rc,
    stdout,
    stdout_lines: splitLines(stdout),
    stderr,
    stderr_lines: splitLines(stderr),
  };
  if (answer.rc !== 0) Object.assign(result, { failed: true, msg: 'non-zero return code' });
  return addTruncationNotes(result, streams);
}

export const rawModule: ModuleDefinition = {
  name: 'raw',
  freeForm: '_raw_params',
  args: { _raw_params: { type: 'str' }, executable: { type: 'str' } },
  run,
};
