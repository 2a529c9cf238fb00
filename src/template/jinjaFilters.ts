import { TemplateError } from '../core/errors.js';
import { bindArguments } from './filterArguments.js';
import { isMapping, isText, pyCompare, pyEquals, pyStr, tuple } from '../core/pythonValues.js';
import type { FilterFunction } from './runtime.js';
import { isUndefined, requireDefined, UndefinedValue } from '../core/undefinedValue.js';

/** Jinja2 built-in filters nunjucks lacks or gets wrong: groupby, items, attr, xmlattr, filesizeformat, wordwrap, truncate, pprint, urlencode. */

function dotted(item: unknown, path: unknown): unknown {
  let value = item;
  for (const part of pyStr(path).split('.')) {
    if (Array.isArray(value) && /^\d+$/.test(part)) value = value[Number(part)];
    else if (value !== null && typeof value === 'object' && part in (value as object)) value = (value as Record<string, unknown>)[part];
    else return undefined;
  }
  return value;
}

function groupby(value: unknown, args: unknown[]): unknown[] {
  const { attribute, default: fallback, case_sensitive = false } = bindArguments('groupby', args, ['attribute', 'default', 'case_sensitive']);
  const items = requireDefined(value) as unknown[];
  const keyOf = (item: unknown) => {
    const key = dotted(item, attribute);
    if (key === undefined && fallback === undefined) throw new TemplateError(`groupby: an item has no attribute '${pyStr(attribute)}'`);
    return key === undefined ? fallback : key;
  };
  const fold = (key: unknown) => (!case_sensitive && isText(key) ? key.toString().toLowerCase() : key);
  const sorted = [...items].sort((a, b) => pyCompare(fold(keyOf(a)), fold(keyOf(b))));
  const groups: Array<[unknown, unknown[]]> = [];
  for (const item of sorted) {
    const key = keyOf(item);
    const last = groups[groups.length - 1];
    if (last && pyEquals(fold(last[0]), fold(key))) last[1].push(item);
    else groups.push(tuple([key, [item]]));
  }
  return groups;
}

/** Python's `%.1f` of a size with kB/MB... (decimal) or KiB/MiB... (binary) units. */
function filesizeformat(value: unknown, binary: unknown): string {
  const bytes = Number(requireDefined(value));
  const base = binary ? 1024 : 1000;
  const units = binary ? ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'] : ['kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
  if (bytes === 1) return '1 Byte';
  if (bytes < base) return `${bytes} Bytes`;
  let index = 0;
  while (index < units.length - 1 && bytes >= base ** (index + 2)) index++;
  return `${(bytes / base ** (index + 1)).toFixed(1)} ${units[index]}`;
}

/** Python's textwrap as Jinja2's wordwrap uses it: words (split after hyphens) filled greedily per paragraph. */
function wrapParagraph(paragraph: string, limit: number, breakLong: boolean, breakOnHyphens: boolean): string[] {
  const chunks: Array<{ text: string; joined: boolean }> = [];
  for (const word of paragraph.split(/\s+/).filter((w) => w !== '')) {
    const pieces = breakOnHyphens ? word.split(/(?<=[A-Za-z0-9]-)(?=[A-Za-z])/) : [word];
    pieces.forEach((text, i) => chunks.push({ text, joined: i > 0 }));
  }
  const lines: string[] = [];
  let line = '';
  for (const chunk of chunks) {
    let text = chunk.text;
    const candidate = line === '' ? text : line + (chunk.joined ? '' : ' ') + text;
    if (candidate.length <= limit || line === '' && !breakLong) {
      line = candidate;
      continue;
    }
    if (line !== '') lines.push(line);
    while (breakLong && text.length > limit) {
      lines.push(text.slice(0, limit));
      text = text.slice(limit);
    }
    line = text;
  }
  if (line !== '') lines.push(line);
  return lines;
}

function wordwrap(value: unknown, args: unknown[]): string {
  const { width = 79, break_long_words = true, wrapstring = '\n', break_on_hyphens = true } = bindArguments('wordwrap', args, ['width', 'break_long_words', 'wrapstring', 'break_on_hyphens']);
  return pyStr(requireDefined(value))
    .split(/\r\n|\r|\n/)
    .map((paragraph) => wrapParagraph(paragraph, Number(width), Boolean(break_long_words), Boolean(break_on_hyphens)).join(String(wrapstring)))
    .join(String(wrapstring));
}

/** Jinja2's truncate: within `leeway` (5) of the length the text stays; otherwise cut at a word unless killwords. */
function truncate(value: unknown, args: unknown[]): string {
  const { length = 255, killwords = false, end = '...', leeway = 5 } = bindArguments('truncate', args, ['length', 'killwords', 'end', 'leeway']);
  const text = pyStr(requireDefined(value));
  const size = Number(length);
  const tail = pyStr(end);
  if (text.length <= size + Number(leeway ?? 5)) return text;
  const head = text.slice(0, Math.max(0, size - tail.length));
  if (killwords) return head + tail;
  const space = head.lastIndexOf(' ');
  return (space < 0 ? head : head.slice(0, space)) + tail;
}

function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;').replace(/'/g, '&#39;');
}

function urlQuote(text: string, safe: string): string {
  return Array.from(Buffer.from(text, 'utf8'))
    .map((byte) => {
      const ch = String.fromCharCode(byte);
      return /[A-Za-z0-9_.~-]/.test(ch) || safe.includes(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
}

export const jinjaFilters: Record<string, FilterFunction> = {
  groupby: (value, ...args) => groupby(value, args),
  items(value) {
    if (isUndefined(value)) return [];
    const dict = requireDefined(value);
    if (!isMapping(dict)) throw new TemplateError(`Can only get item pairs from a mapping, not ${pyStr(dict)}`);
    return Object.keys(dict).map((key) => tuple([key, dict[key]]));
  },
  attr: (value, name) => {
    const found = dotted(requireDefined(value), name);
    return found === undefined ? new UndefinedValue(`object has no attribute '${pyStr(name)}'`) : found;
  },
  xmlattr(value, autospace = true) {
    const dict = requireDefined(value) as Record<string, unknown>;
    const parts = Object.keys(dict)
      .filter((key) => dict[key] !== null && dict[key] !== undefined && !isUndefined(dict[key]))
      .map((key) => `${xmlEscape(key)}="${xmlEscape(pyStr(dict[key]))}"`);
    return parts.length && autospace ? ' ' + parts.join(' ') : parts.join(' ');
  },
  filesizeformat: (value, binary = false) => filesizeformat(value, binary),
  wordwrap: (value, ...args) => wordwrap(value, args),
  truncate: (value, ...args) => truncate(value, args),
  pprint: (value) => pyStr(requireDefined(value)),
  urlencode(value) {
    const defined = requireDefined(value);
    if (isText(defined)) return urlQuote(defined.toString(), '/');
    const pairs = isMapping(defined) ? Object.entries(defined) : (defined as unknown[][]).map((pair) => [pair[0], pair[1]]);
    return pairs.map(([key, item]) => `${urlQuote(pyStr(key), '')}=${urlQuote(pyStr(item), '')}`).join('&');
  },
};
