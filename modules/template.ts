import { access, stat } from 'node:fs/promises';
import { templateFileVars, templateSearchPath, templateSyntaxOf } from '../src/template/index.js';
import { ModuleError } from '../src/core/errors.js';
import type { ModuleDefinition } from './module.js';
import { writeFileContent } from './fileWriter.js';
import { encodeText } from './textEncoding.js';

/**
 * ansible.builtin.template: src (controller templates/), dest, mode (octal, symbolic, preserve), owner,
 * group, backup, force, follow, validate, newline_sequence, trim_blocks, lstrip_blocks, the
 * block/variable/comment start and end strings, and `#jinja2:` overrides in the template's first line.
 * `{% include %}`/`{% import %}` names are found as Ansible finds them (the role's, task file's and
 * playbook's folders and their templates/, then the template's folder). The template sees
 * template_path, template_fullpath, template_destpath, template_host, template_uid, template_mtime,
 * template_run_date and ansible_managed. Writing is copy's, so results and diffs have copy's shape.
 * output_encoding: utf-8, latin-1 or windows-1252.
 */
// As Ansible, the escaped spellings a single-quoted YAML string gives ('\r\n') are accepted too.
const NEWLINES: Record<string, string> = { '\n': '\n', '\r': '\r', '\r\n': '\r\n', '\\n': '\n', '\\r': '\r', '\\r\\n': '\r\n' };

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
    newline_sequence: { type: 'str', default: '\n' },
    trim_blocks: { type: 'bool', default: true },
    lstrip_blocks: { type: 'bool', default: false },
    output_encoding: { type: 'str', default: 'utf-8' },
    block_start_string: { type: 'str', default: '{%' },
    block_end_string: { type: 'str', default: '%}' },
    variable_start_string: { type: 'str', default: '{{' },
    variable_end_string: { type: 'str', default: '}}' },
    comment_start_string: { type: 'str', default: '{#' },
    comment_end_string: { type: 'str', default: '#}' },
    unsafe_writes: { type: 'bool', default: false },
  },
  async run(ctx) {
    const a = ctx.args;
    const source = ctx.controller.findFile('templates', a['src'] as string);
    await access(source).catch((error: Error) => {
      throw new ModuleError(`Could not find or access '${String(a['src'])}': ${error.message}`);
    });
    const newlineSequence = NEWLINES[a['newline_sequence'] as string];
    if (!newlineSequence) throw new ModuleError(`newline_sequence must be one of \\n, \\r, \\r\\n (got ${JSON.stringify(a['newline_sequence'])})`);
    const rendered = ctx.renderFile(source, {
      searchPath: templateSearchPath(ctx.controller.searchFolders(), source),
      vars: templateFileVars(a['src'] as string, source, a['dest'] as string, ctx.controller.ansibleManaged),
      newlineSequence,
      syntax: templateSyntaxOf(a),
    });
    return writeFileContent(ctx, {
      dest: a['dest'] as string,
      data: encodeText(rendered, String(a['output_encoding'] ?? '')),
      basename: source.split('/').pop()!,
      label: source,
      src: source,
      fromController: true,
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
