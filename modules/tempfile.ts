import { shellJoin } from '../src/core/shellQuote.js';
import type { ModuleDefinition } from './module.js';

/**
 * ansible.builtin.tempfile: state (file, directory), path (default: the target's $TMPDIR or /tmp), prefix
 * (default `ansible.`), suffix. Made by the target's mktemp (mode 0600 for a file, 0700 for a folder); returns
 * `path`. Check mode skips the task, as Ansible does for this module. In a tree through nspawn, /tmp is a fresh
 * tmpfs for each command: give `path: /var/tmp` for a file later tasks must see.
 */
export const tempfileModule: ModuleDefinition = {
  name: 'tempfile',
  args: {
    state: { type: 'str', default: 'file', choices: ['file', 'directory'] },
    path: { type: 'path' },
    prefix: { type: 'str', default: 'ansible.' },
    suffix: { type: 'str', default: '' },
  },
  async run(ctx) {
    if (ctx.check) return { changed: false, skipped: true, msg: 'remote module (tempfile) does not support check mode' };
    const a = ctx.args;
    const dir = a['path'] as string | undefined;
    const argv = [
      'mktemp',
      ...(a['state'] === 'directory' ? ['-d'] : []),
      dir === undefined ? '--tmpdir' : `--tmpdir=${dir}`,
      `--suffix=${a['suffix'] as string}`,
      '--',
      `${a['prefix'] as string}XXXXXXXX`,
    ];
    const run = await ctx.target.exec(shellJoin(argv));
    if (run.rc !== 0) return { changed: false, failed: true, msg: run.stderr.toString().trim() || `mktemp failed with rc ${run.rc}` };
    return { changed: true, path: run.stdout.toString().replace(/\n$/, '') };
  },
};
