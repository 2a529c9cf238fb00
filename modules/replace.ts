import type { ModuleContext, ModuleDefinition, ModuleResult } from './module.js';
import { compilePythonRegex, substitutePython } from '../src/core/pythonRegex.js';
import { attributeOutcome, readTextFile, saveTextFile } from './textFileEdit.js';
import { isFailure } from './fileWriter.js';

/**
 * ansible.builtin.replace: path (dest, destfile, name), regexp, replace, after, before, backup, validate,
 * mode, owner, group; encoding is accepted and ignored (files are read as UTF-8). As ansible-core: regexp
 * is MULTILINE, after/before are DOTALL and pick the section `after(.*?)before` it applies to.
 * Differs: regexps are JavaScript's (Python syntax translated, see pythonRegex.ts).
 */
export const replaceModule: ModuleDefinition = {
  name: 'replace',
  args: {
    path: { type: 'path', required: true, aliases: ['dest', 'destfile', 'name'] },
    regexp: { type: 'str', required: true },
    replace: { type: 'str', default: '' },
    after: { type: 'str' },
    before: { type: 'str' },
    backup: { type: 'bool', default: false },
    validate: { type: 'str' },
    encoding: { type: 'str', default: 'utf-8' },
    mode: { type: 'raw' },
    owner: { type: 'str' },
    group: { type: 'str' },
    unsafe_writes: { type: 'bool', default: false },
  },
  run: runReplace,
};

async function runReplace(ctx: ModuleContext): Promise<ModuleResult> {
  const a = ctx.args;
  const path = a['path'] as string;
  const file = await readTextFile(ctx, path);
  if (isFailure(file)) return file;
  if (!file.state.exists) return { changed: false, failed: true, rc: 257, msg: `Path ${path} does not exist !` };
  const edit = replaceInText(file.text, a['regexp'] as string, a['replace'] as string, a['after'] as string | undefined, a['before'] as string | undefined);
  if (edit.sectionMissing !== undefined) {
    return { changed: false, rc: 0, msg: `Pattern for before/after params did not match the given file: ${edit.sectionMissing}` };
  }
  const contentChanged = edit.count > 0 && edit.text !== file.text;
  const msg = contentChanged ? `${edit.count} replacements made` : '';
  const attributes = attributeOutcome(ctx, file, contentChanged, msg);
  const result: ModuleResult = { changed: attributes.changed, rc: 0, msg: attributes.msg };
  if (contentChanged && ctx.diff) result.diff = { before_header: path, before: file.text, after_header: path, after: edit.text };
  if (ctx.check || !result.changed) return result;
  const saved = await saveTextFile(ctx, file, contentChanged ? edit.text : undefined, attributes.changes);
  if (isFailure(saved)) return saved;
  return { ...result, ...(saved.backupFile ? { backup_file: saved.backupFile } : {}) };
}

/**
 * ansible-core's replace on a text: the section between `after` and `before` (DOTALL, like
 * `after(?P<subsection>.*?)before`), every MULTILINE match of regexp in it replaced. `sectionMissing` holds
 * the section pattern when after/before match nothing (not an error, as in Ansible).
 */
export function replaceInText(
  text: string,
  regexp: string,
  template: string,
  after?: string,
  before?: string,
): { text: string; count: number; sectionMissing?: string } {
  const pattern = after && before ? `${after}(?P<subsection>.*?)${before}` : after ? `${after}(?P<subsection>.*)` : before ? `(?P<subsection>.*)${before}` : '';
  let start = 0;
  let end = text.length;
  if (pattern) {
    // `d` gives the subsection group's offsets (Python's match.start('subsection')).
    const match = compilePythonRegex(pattern, 'sd').exec(text);
    if (!match) return { text, count: 0, sectionMissing: pattern };
    [start, end] = match.indices!.groups!['subsection']!;
  }
  const replaced = substitutePython(compilePythonRegex(regexp, 'm'), template, text.slice(start, end));
  return { text: text.slice(0, start) + replaced.text + text.slice(end), count: replaced.count };
}
