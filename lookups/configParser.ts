import { pyRepr } from '../src/core/pythonValues.js';
import { LookupError, ownLookupError } from './lookup.js';

/**
 * Python's configparser as the `ini` lookup uses it: `[section]` headers, `key = value` or `key: value`
 * (the first `=` or `:`), `#`/`;` comment lines, indented continuation lines, `[DEFAULT]` values seen in
 * every section, keys lowercased unless case-sensitive, duplicates an error.
 */
export interface ParsedConfig {
  sections: Map<string, Map<string, string | null>>;
  defaults: Map<string, string | null>;
}

export function parseConfig(text: string, options: { caseSensitive: boolean; allowNoValue: boolean; file: string }): ParsedConfig {
  const config: ParsedConfig = { sections: new Map(), defaults: new Map() };
  let section: Map<string, string | null> | undefined;
  let sectionName = '';
  let lastKey: string | undefined;
  // configparser reads on past lines it cannot parse and names them all at the end (in Python's words: a stream '<???>', each line's repr).
  const unparsed: string[] = [];
  const lines = text.split(/\r?\n/);
  for (const [index, line] of lines.entries()) {
    const where = `line ${index + 1}`;
    if (/^\s*[#;]/.test(line)) continue;
    if (line.trim() === '') {
      lastKey = undefined;
      continue;
    }
    if (/^\s/.test(line) && section && lastKey !== undefined) {
      section.set(lastKey, `${section.get(lastKey) ?? ''}\n${line.trim()}`);
      continue;
    }
    const header = /^\[(.+)\]\s*$/.exec(line);
    if (header) {
      sectionName = header[1]!;
      if (sectionName === 'DEFAULT') section = config.defaults;
      else {
        if (config.sections.has(sectionName)) throw ownLookupError(`While reading from '${options.file}' [${where}]: section '${sectionName}' already exists`);
        section = new Map();
        config.sections.set(sectionName, section);
      }
      lastKey = undefined;
      continue;
    }
    if (!section) throw ownLookupError(`File contains no section headers.\nfile: '${options.file}', ${where}: '${line}'`);
    const delimiter = line.search(/[=:]/);
    if (delimiter < 0 && !options.allowNoValue) {
      unparsed.push(`\n\t[line ${String(index + 1).padStart(2)}]: ${pyRepr(index < lines.length - 1 ? `${line}\n` : line)}`);
      continue;
    }
    const rawKey = (delimiter < 0 ? line : line.slice(0, delimiter)).trim();
    const key = options.caseSensitive ? rawKey : rawKey.toLowerCase();
    if (section.has(key)) {
      // Python's configparser words, reading from a stream ('<???>', the line number in two columns), as ansible-core's ini lookup shows them.
      throw ownLookupError(`Duplicate option in '${options.file}': While reading from '<???>' [line ${String(index + 1).padStart(2)}]: option '${key}' in section '${sectionName}' already exists`);
    }
    section.set(key, delimiter < 0 ? null : line.slice(delimiter + 1).trim());
    lastKey = key;
  }
  if (unparsed.length) throw new LookupError(`Source contains parsing errors: '<???>'${unparsed.join('')}`, false, 'configparser.ParsingError');
  return config;
}

/** A section's options with the DEFAULT ones under them, as configparser's items(section). */
export function sectionItems(config: ParsedConfig, name: string): Map<string, string | null> | undefined {
  const section = config.sections.get(name);
  if (!section) return name === 'DEFAULT' ? config.defaults : undefined;
  return new Map([...config.defaults, ...section]);
}
