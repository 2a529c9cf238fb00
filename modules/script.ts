import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { basename } from 'node:path/posix';
import { shellJoin, shellQuote } from '../src/core/shellQuote.js';
import { shlexSplit } from '../src/core/shlex.js';
import { cleanupOnExit } from '../src/core/shellTraps.js';
import { addTruncationNotes, commandStreams, KEEP_COMMAND_OUTPUT, splitLines } from './commandResult.js';
import type { ModuleContext, ModuleDefinition, ModuleResult } from './module.js';
import { decryptedControllerFile } from './vaultedSource.js';

/**
 * ansible.builtin.script: free form (`script: files/setup.sh --flag "a b"`) or `cmd`; creates, removes (a path
 * tested as is, no glob, as Ansible's action does), chdir (absolute), executable (`executable: python3` runs
 * `python3 SCRIPT ARGS`). The controller script is found as `src:` files are, sent (as the stdin of the one
 * command that runs it) into a fresh 0700 folder under the target's /var/tmp (nspawn gives each command its
 * own /tmp), run through the target's /bin/sh with the arguments as written, and removed. Check mode:
 * skipped, or changed=true when creates/removes decide it, as Ansible. `decrypt` (default true): a
 * vault-encrypted script is sent decrypted.
 */
export const scriptModule: ModuleDefinition = {
  name: 'script',
  freeForm: '_raw_params',
  args: {
    _raw_params: { type: 'str' },
    cmd: { type: 'str' },
    creates: { type: 'str' },
    removes: { type: 'str' },
    chdir: { type: 'str' },
    executable: { type: 'str' },
    decrypt: { type: 'bool', default: true },
  },
  run: runScript,
};

async function runScript(ctx: ModuleContext): Promise<ModuleResult> {
  const a = ctx.args;
  const raw = ((a['cmd'] as string | undefined) ?? (a['_raw_params'] as string | undefined) ?? '').trim();
  const words = raw === '' ? [] : shlexSplit(raw);
  if (!words.length) return { changed: false, failed: true, msg: 'script: no script given (free form or cmd)' };
  const skip = await creationCheck(ctx);
  if (skip) return { changed: false, skipped: true, msg: skip };
  const chdir = a['chdir'] as string | undefined;
  if (chdir !== undefined && !chdir.startsWith('/')) return { changed: false, failed: true, msg: `chdir ${chdir} must be an absolute path for a Unix-aware remote node` };
  const local = ctx.controller.findFile('files', words[0]!);
  if (ctx.check) {
    if (a['creates'] !== undefined || a['removes'] !== undefined) return { changed: true };
    return { changed: false, skipped: true, msg: 'Check mode is not supported for this task.' };
  }
  // The script (it may hold secrets, and its arguments are a no_log task's) goes through the command's
  // stdin into a fresh 0700 folder as a 0700 file: never readable by another user of the tree, never a
  // second round trip. The folder goes when the command ends, also on a signal (an interrupted playtree).
  const folder = `/var/tmp/playtree-script.${randomBytes(6).toString('hex')}`;
  // The arguments stay shell text, as Ansible runs them: only the script's own word is replaced.
  const at = raw.indexOf(words[0]!);
  const argsText = at >= 0 ? raw.slice(at + words[0]!.length) : '';
  const executable = a['executable'] ? `${shellQuote(a['executable'] as string)} ` : '';
  const script = [
    `${shellJoin(['mkdir', '-m', '700', '--', folder])} || exit 1`,
    cleanupOnExit(shellJoin(['rm', '-rf', '--', folder])),
    `pt_script=${shellQuote(`${folder}/${basename(local)}`)}`,
    '(umask 077 && cat > "$pt_script") && chmod 700 "$pt_script" || exit 1',
    // Its stdin was the script's bytes: the script itself gets none, as without the upload.
    'exec </dev/null',
    ...(chdir !== undefined ? [`${shellJoin(['cd', '--', chdir])} || exit 1`] : []),
    `${executable}"$pt_script"${argsText}`,
  ].join('\n');
  const decrypted = a['decrypt'] ? await decryptedControllerFile(local) : undefined;
  let run;
  try {
    run = await ctx.target.exec(script, { stdin: decrypted ? Readable.from([decrypted]) : createReadStream(local), ...KEEP_COMMAND_OUTPUT });
  } catch (error) {
    // Stopped mid-stream (the local file failed): the trap may not have run.
    await ctx.target.exec(shellJoin(['rm', '-rf', '--', folder])).catch(() => undefined);
    throw error;
  }
  const streams = commandStreams(run);
  const stdout = streams.stdout.text;
  const stderr = streams.stderr.text;
  const result: ModuleResult = { changed: true, rc: run.rc, stdout, stderr, stdout_lines: splitLines(stdout), stderr_lines: splitLines(stderr) };
  return addTruncationNotes(run.rc === 0 ? result : { ...result, failed: true, msg: 'non-zero return code' }, streams);
}

/** Ansible's skip message when creates exists or removes does not, in one command. */
async function creationCheck(ctx: ModuleContext): Promise<string | undefined> {
  const creates = ctx.args['creates'] as string | undefined;
  const removes = ctx.args['removes'] as string | undefined;
  if (!creates && !removes) return undefined;
  const test = (path: string) => `if [ -e ${shellQuote(path)} ] || [ -L ${shellQuote(path)} ]; then printf 1; else printf 0; fi`;
  const run = await ctx.target.exec([...(creates ? [test(creates)] : []), ...(removes ? [test(removes)] : [])].join('\n'));
  const answers = run.stdout.toString();
  if (creates && answers[0] === '1') return `${creates} exists, matching creates option`;
  if (removes && answers.at(-1) === '0') return `${removes} does not exist, matching removes option`;
  return undefined;
}
