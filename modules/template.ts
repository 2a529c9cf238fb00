import { readFile, stat } from 'node:fs/promises';
import { ModuleError } from '../src/errors.js';
import type { ModuleDefinition } from './module.js';
import { writeFileContent } from './fileWriter.js';

/**
 * ansible.builtin.template: src (controller templates/), dest, mode (octal, symbolic, preserve), owner,
 * group, backup, force, follow, validate, newline_sequence, trim_blocks. Rendering is ctx.render (the
 * engine's Jinja2 environment); writing is copy's, so results and diffs have copy's shape.
 * Differs: trim_blocks/lstrip_blocks are left to the engine's environment defaults.
 */
export const templateModule: ModuleDefinition = {
  name: 'template',
  args: {
    src: { type: 'path', required: true },
    dest: { type: 'path', required: true },
    mode: { type: 'raw' },
    owner: { type: 'str' },
    group: { type: 'str' },
    backup: { type: 'bool', default: false },
    force: { type: 'bool', default: true },
    follow: { type: 'bool', default: false },
    validate: { type: 'str' },
    newline_sequence: { type: 'str', default: '\n', choices: ['\n', '\r', '\r\n'] },
    trim_blocks: { type: 'bool', default: true },
    lstrip_blocks: { type: 'bool', default: false },
    output_encoding: { type: 'str', default: 'utf-8' },
    unsafe_writes: { type: 'bool', default: false },
  },
  async run(ctx) {
    const a = ctx.args;
    const source = ctx.controller.findFile('templates', a['src'] as string);
    const text = await readFile(source, 'utf8').catch((error: Error) => {
      throw new ModuleError(`Could not find or access '${String(a['src'])}': ${error.message}`);
    });
    let rendered = ctx.render(text);
    const newline = a['newline_sequence'] as string;
    if (newline !== '\n') rendered = rendered.replace(/\r\n|\r|\n/g, newline);
    return writeFileContent(ctx, {
      dest: a['dest'] as string,
      data: Buffer.from(rendered),
      basename: source.split('/').pop()!,
      label: source,
      src: source,
      mode: a['mode'],
      preserveMode: (await stat(source)).mode & 0o7777,
      owner: a['owner'] as string | undefined,
      group: a['group'] as string | undefined,
      backup: a['backup'] as boolean,
      force: a['force'] as boolean,
      follow: a['follow'] as boolean,
      validate: a['validate'] as string | undefined,
    });
  },
};
