import { statSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname } from 'node:path';
import { toBoolean } from '../src/boolean.js';
import { parsePythonLiteral } from '../src/inventory/pythonLiteral.js';
import { checkOptions, isMappingValue, LookupError, textTerm, type LookupPlugin } from './lookup.js';
import { readControllerText } from './file.js';
import { findFile } from './searchPath.js';

/**
 * `template`: controller template files (found under `templates/` in the search path) rendered with the
 * task's variables, `template_vars` over them, and Ansible's `template_path`, `template_fullpath`,
 * `template_host`, `template_uid`, `template_mtime` and `template_run_date`. `variable_start_string`/
 * `variable_end_string` and `comment_start_string`/`comment_end_string` change the delimiters. The result is
 * text; with `convert_data` (the default) text that reads as a Python/JSON dict or list becomes one, as
 * in ansible-core 2.14 (`jinja2_native` is accepted and changes nothing).
 */
const OPTIONS = ['template_vars', 'convert_data', 'jinja2_native', 'variable_start_string', 'variable_end_string', 'comment_start_string', 'comment_end_string'];

export const templateLookup: LookupPlugin = {
  name: 'template',
  run: (terms, options, context) => {
    checkOptions('template', options, OPTIONS);
    const templateVars = options['template_vars'] ?? {};
    if (!isMappingValue(templateVars)) throw new LookupError("lookup 'template': template_vars must be a dict");
    return terms.map((term) => {
      const name = textTerm('template', term);
      const path = findFile(context, 'templates', name);
      if (path === undefined) throw new LookupError(`the template file ${name} could not be found for the lookup`);
      const text = withDefaultDelimiters(readControllerText(path), options);
      const rendered = context.renderText(text, { ...templateFileVars(name, path), ...templateVars });
      return toBoolean(options['convert_data'] ?? true) === false ? rendered : convertData(rendered);
    });
  },
};

function convertData(text: string): unknown {
  const trimmed = text.trim();
  if (!/^[[{]/.test(trimmed)) return text;
  const literal = parsePythonLiteral(trimmed);
  return literal && typeof literal.value === 'object' && literal.value !== null ? literal.value : text;
}

function templateFileVars(name: string, path: string): Record<string, unknown> {
  const info = statSync(path);
  return {
    template_host: hostname(),
    template_path: name,
    template_fullpath: path,
    template_destpath: null,
    template_uid: String(info.uid),
    template_mtime: info.mtime.toISOString(),
    template_run_date: new Date().toISOString(),
    template_basename: basename(path),
    template_dir: dirname(path),
  };
}

/**
 * Other delimiters become the standard ones: each `<start> expr <end>` becomes `{{ expr }}`, comments are
 * dropped, and a literal `{{` or `}}` between them stays text.
 */
function withDefaultDelimiters(text: string, options: Record<string, unknown>): string {
  const variableStart = String(options['variable_start_string'] ?? '{{');
  const variableEnd = String(options['variable_end_string'] ?? '}}');
  const commentStart = String(options['comment_start_string'] ?? '{#');
  const commentEnd = String(options['comment_end_string'] ?? '#}');
  if (variableStart === '{{' && variableEnd === '}}' && commentStart === '{#' && commentEnd === '#}') return text;
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const tag = new RegExp(`${escape(variableStart)}([\\s\\S]*?)${escape(variableEnd)}|${escape(commentStart)}[\\s\\S]*?${escape(commentEnd)}`, 'g');
  let out = '';
  let last = 0;
  for (const match of text.matchAll(tag)) {
    out += raw(text.slice(last, match.index));
    if (match[1] !== undefined) out += `{{${match[1]}}}`;
    last = match.index + match[0].length;
  }
  return out + raw(text.slice(last));
}

function raw(text: string): string {
  return text.replace(/\{\{|\}\}/g, (braces) => `{{ '${braces}' }}`);
}
