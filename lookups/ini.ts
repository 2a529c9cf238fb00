import { toBoolean } from '../src/core/boolean.js';
import { compilePythonRegex } from '../src/core/pythonRegex.js';
import { ownLookupError, textTerm, type LookupContext, type LookupPlugin } from './lookup.js';
import { parseConfig, sectionItems } from './configParser.js';
import { readControllerText } from './file.js';
import { findFile } from './searchPath.js';

/**
 * `ini`: values from an INI file on the controller (found under `files/` in the search path). Options
 * (or `key=value` words after the key in the term): `file` (ansible.ini), `section` (global), `default`
 * (''), `re` (the key is a regex matched at the start of each key: all values that match), `type`
 * (`ini`, or `properties` for a Java properties file), `case_sensitive`, `allow_no_value`, `encoding`.
 */
const DEFAULTS: Record<string, unknown> = {
  file: 'ansible.ini', section: 'global', default: '', re: false, type: 'ini', encoding: 'utf-8', case_sensitive: false, allow_no_value: false, allow_none: false,
};

export const iniLookup: LookupPlugin = {
  name: 'ini',
  run: (terms, options, context) => {
    for (const key of Object.keys(options)) if (!(key in DEFAULTS)) throw ownLookupError(`${key} is not a valid option.`);
    return terms.flatMap((term) => {
      const params: Record<string, unknown> = { ...DEFAULTS, ...options };
      const key = termKey(textTerm('ini', term), params);
      return lookupValues(key, params, context);
    });
  },
};

/** The key a term names, with its inline `name=value` options put into params (Ansible's _parse_params). */
function termKey(term: string, params: Record<string, unknown>): string {
  if (!term.includes('=') && !/\s/.test(term.trim())) return term;
  const groups: Array<[string, string[]]> = [];
  let current = 'key';
  for (const [index, word] of term.trim().split(/\s+/).entries()) {
    if (word.includes('=')) for (const name of Object.keys(params)) if (word.includes(`${name}=`)) current = name;
    const group = groups.find(([name]) => name === current);
    if (index === 0 || !group) groups.push([current, [word]]);
    else group[1].push(word);
  }
  let key: string | undefined;
  for (const [, words] of groups) {
    const phrase = words.join(' ');
    const equals = phrase.indexOf('=');
    if (equals < 0) {
      key ??= phrase;
      continue;
    }
    const name = phrase.slice(0, equals);
    if (!(name in DEFAULTS)) throw ownLookupError(`${name} is not a valid option.`);
    params[name] = phrase.slice(equals + 1);
  }
  if (key === undefined) throw ownLookupError(`No key to lookup was provided as first term with in string inline options: ${term}`);
  return key;
}

function lookupValues(key: string, params: Record<string, unknown>, context: LookupContext): unknown[] {
  const file = String(params['file']);
  const path = findFile(context, 'files', file);
  if (path === undefined) throw ownLookupError(`could not locate file in lookup: ${file}`);
  const properties = params['type'] === 'properties';
  const section = properties ? 'java_properties' : String(params['section']);
  const text = readControllerText(path, String(params['encoding']));
  const config = parseConfig(properties ? `[java_properties]\n${text}` : text, {
    caseSensitive: toBoolean(params['case_sensitive']) ?? false,
    allowNoValue: (toBoolean(params['allow_no_value']) ?? false) || (toBoolean(params['allow_none']) ?? false),
    file,
  });
  const items = sectionItems(config, section);
  if (!items) throw ownLookupError(`No section '${section}' in ${file}`);
  if (toBoolean(params['re'])) {
    const pattern = compilePythonRegex(key);
    return [...items].filter(([name]) => pattern.exec(name)?.index === 0).map(([, value]) => value);
  }
  const name = toBoolean(params['case_sensitive']) ? key : key.toLowerCase();
  if (!items.has(name)) return params['default'] === null ? [] : [params['default']];
  // A key without a value (allow_no_value) gives no item, as Ansible's None.
  const value = items.get(name);
  return value === null ? [] : [value];
}
