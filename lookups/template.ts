import { toBoolean } from '../src/core/boolean.js';
import { parsePythonLiteral } from '../src/inventory/pythonLiteral.js';
import { checkOptions, isMappingValue, LookupError, textTerm, type LookupPlugin } from './lookup.js';
import { findFile } from './searchPath.js';

/**
 * `template`: controller template files (found under `templates/` in the search path) rendered with the
 * task's variables, `template_vars` over them, and Ansible's `template_*` variables and `ansible_managed`;
 * `{% include %}`/`{% import %}` find names beside the file, then in the search path, and a `#jinja2:` first
 * line applies. `variable_start_string`/`variable_end_string` and `comment_start_string`/
 * `comment_end_string` change the delimiters. The result is
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
      const rendered = context.renderFile(name, path, templateVars as Record<string, unknown>, options);
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
