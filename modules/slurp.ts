import { ModuleError } from '../src/core/errors.js';
import { shellQuote } from '../src/core/shellQuote.js';
import type { ModuleDefinition } from './module.js';

/**
 * ansible.builtin.slurp: src (path) → content (base64), encoding (`base64`), source. The file is read by the
 * target's shell (`cat`) in one command and encoded on the controller. A missing, unreadable or folder src
 * fails with Ansible's message.
 */
export const slurpModule: ModuleDefinition = {
  name: 'slurp',
  args: { src: { type: 'path', required: true, aliases: ['path'] } },
  async run(ctx) {
    const src = ctx.args['src'] as string;
    const p = shellQuote(src);
    const read = await ctx.target.exec(`if [ -d ${p} ]; then echo isdir >&2; exit 21; fi; if [ ! -e ${p} ]; then exit 2; fi; if [ ! -r ${p} ]; then exit 13; fi; exec cat -- ${p}`);
    if (read.rc === 2) throw new ModuleError(`file not found: ${src}`);
    if (read.rc === 13) throw new ModuleError(`file is not readable: ${src}`);
    if (read.rc === 21) throw new ModuleError(`source is a directory and must be a file: ${src}`);
    if (read.rc !== 0) throw new ModuleError(`unable to slurp file: ${read.stderr.toString().trim()}`, { rc: read.rc });
    return { changed: false, content: read.stdout.toString('base64'), source: src, encoding: 'base64' };
  },
};
