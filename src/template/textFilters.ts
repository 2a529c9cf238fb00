import { TemplateError } from '../core/errors.js';
import { bindArguments } from './filterArguments.js';
import { pythonMethod } from './pythonMethods.js';
import { expandPythonTemplate } from '../core/pythonRegex.js';
import { pythonRegex } from './pythonRegex.js';
import { pyFormat, pyStr, tuple } from '../core/pythonValues.js';
import type { FilterFunction } from './runtime.js';
import { requireDefined } from '../core/undefinedValue.js';

/** node:crypto costs ~5 ms to load: taken on the first hash, so a run that hashes nothing never loads it. */
const nodeCrypto = () => process.getBuiltinModule('node:crypto');

/** Filters on strings: case, whitespace, regular expressions, paths, encodings, hashes, shell quoting. */

function text(value: unknown): string {
  return pyStr(requireDefined(value));
}

function stringMethod(name: string): FilterFunction {
  return (value, ...args) => pythonMethod(text(value), name)!(...args);
}

function pyBasename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function pyDirname(path: string): string {
  const cut = path.lastIndexOf('/') + 1;
  const head = path.slice(0, cut);
  return /^\/+$/.test(head) ? head : head.replace(/\/+$/, '');
}

/** The `encoding` argument of b64encode/b64decode as a Buffer encoding (utf-8 and utf-16-le). */
function bufferEncoding(args: unknown[]): BufferEncoding {
  const { encoding = 'utf-8' } = bindArguments('b64encode', args, ['encoding', 'urlsafe']);
  const name = String(encoding).toLowerCase().replace(/[-_]/g, '');
  if (name === 'utf8') return 'utf8';
  if (name === 'utf16le' || name === 'utf16') return 'utf16le';
  if (name === 'latin1' || name === 'iso88591') return 'latin1';
  if (name === 'ascii') return 'ascii';
  throw new TemplateError(`encoding '${pyStr(encoding)}' is not supported by playtree (utf-8, utf-16-le, latin-1, ascii)`);
}

/** Python's shlex.quote (the quote filter): safe words as they are, others in single quotes. */
function pythonShellQuote(word: string): string {
  if (word === '') return "''";
  if (/^[\w@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'"'"'`)}'`;
}

function hashOf(algorithm: string, value: unknown): string {
  return nodeCrypto().createHash(algorithm).update(text(value), 'utf8').digest('hex');
}

function regexSearch(value: unknown, args: unknown[]): unknown {
  const { regex, ignorecase, multiline, ...rest } = bindArguments('regex_search', args, ['regex', 'g1', 'g2', 'g3', 'g4', 'ignorecase', 'multiline']);
  const groups = [rest.g1, rest.g2, rest.g3, rest.g4].filter((g) => g !== undefined).map(String);
  const match = pythonRegex(String(regex), { ignorecase: Boolean(ignorecase), multiline: Boolean(multiline) }).exec(text(value));
  if (!match) return null;
  if (groups.length === 0) return match[0];
  return groups.map((group) => {
    const named = /^\\g<(\w+)>$/.exec(group);
    if (named) return /^\d+$/.test(named[1]!) ? match[Number(named[1])] : match.groups?.[named[1]!];
    const numbered = /^\\(\d+)$/.exec(group);
    if (numbered) return match[Number(numbered[1])];
    throw new Error(`regex_search: unknown group argument '${group}'; use '\\\\1' or '\\\\g<name>'`);
  });
}

/**
 * Python's re.sub (with `count`, as newer ansible-core has it): each replacement is expanded from its own
 * match, so lookbehinds, `\b` and anchors see the whole text, not just the matched part.
 */
function regexReplace(value: unknown, args: unknown[]): string {
  const { pattern, replacement, ignorecase, multiline, count } = bindArguments('regex_replace', args, ['pattern', 'replacement', 'ignorecase', 'multiline', 'count']);
  const limit = typeof count === 'number' && count > 0 ? count : Infinity;
  const regex = pythonRegex(String(pattern ?? ''), { ignorecase: Boolean(ignorecase), multiline: Boolean(multiline), global: true });
  const template = String(replacement ?? '');
  const source = text(value);
  let out = '';
  let last = 0;
  let done = 0;
  for (const match of source.matchAll(regex)) {
    if (done++ >= limit) break;
    out += source.slice(last, match.index) + expandPythonTemplate(template, match);
    last = match.index + match[0].length;
  }
  return out + source.slice(last);
}

/** Jinja2's indent: every line but the first (unless `first`), blank lines only with `blank`. */
function indent(value: unknown, args: unknown[]): string {
  const { width = 4, first = false, blank = false } = bindArguments('indent', args, ['width', 'first', 'blank']);
  const indention = typeof width === 'string' ? width : ' '.repeat(Number(width));
  // Jinja2 appends a newline before splitting so that a trailing newline survives.
  const lines = (text(value) + '\n').split(/\r\n|\r|\n/).slice(0, -1);
  let out = blank ? lines.join('\n' + indention) : lines[0] + (lines.length > 1 ? '\n' + lines.slice(1).map((line) => (line ? indention + line : line)).join('\n') : '');
  if (first) out = indention + out;
  return out;
}

const COMMENT_STYLES: Record<string, Record<string, string>> = {
  plain: { decoration: '# ' },
  erlang: { decoration: '% ' },
  c: { decoration: '// ' },
  cblock: { beginning: '/*', decoration: ' * ', end: ' */' },
  xml: { beginning: '<!--', decoration: ' - ', end: '-->' },
};

/** Ansible's comment filter: the text as a comment block (`{{ ansible_managed | comment }}`). */
function comment(value: unknown, args: unknown[]): string {
  const { style = 'plain', ...overrides } = bindArguments('comment', args, ['style', 'decoration', 'beginning', 'end', 'prefix', 'postfix', 'prefix_count', 'postfix_count', 'newline']);
  const base = COMMENT_STYLES[String(style)];
  if (!base) throw new Error(`comment: unknown style '${pyStr(style)}' (plain, erlang, c, cblock, xml)`);
  const given = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  const around = String(given.decoration ?? base.decoration).trimEnd();
  const p: Record<string, unknown> = { newline: '\n', beginning: '', prefix: around, prefix_count: 1, decoration: '', postfix: around, postfix_count: 1, end: '', ...base, ...given };
  const newline = String(p.newline);
  const decoration = String(p.decoration);
  const prefix = String(p.prefix);
  const beginning = p.beginning ? String(p.beginning) + newline : '';
  const head = !prefix ? '' : (prefix === newline ? newline : prefix + newline).repeat(Number(p.prefix_count));
  const body = (decoration + text(value).split(newline).join(newline + decoration)).split(decoration + newline).join(decoration.trimEnd() + newline);
  const tail = ['', ...Array(Number(p.postfix_count)).fill(String(p.postfix))].join(newline);
  const end = p.end ? newline + String(p.end) : '';
  return beginning + head + body + tail + end;
}

export const textFilters: Record<string, FilterFunction> = {
  indent: (value, ...args) => indent(value, args),
  comment: (value, ...args) => comment(value, args),
  lower: (value) => text(value).toLowerCase(),
  upper: (value) => text(value).toUpperCase(),
  capitalize: stringMethod('capitalize'),
  title: stringMethod('title'),
  trim: (value, chars) => pythonMethod(text(value), 'strip')!(chars),
  string: (value) => text(value),
  split: (value, ...args) => {
    const { sep, maxsplit } = bindArguments('split', args, ['sep', 'maxsplit']);
    return pythonMethod(text(value), 'split')!(sep, maxsplit);
  },
  splitlines: stringMethod('splitlines'),
  replace: (value, ...args) => {
    const { old, new: replacement, count } = bindArguments('replace', args, ['old', 'new', 'count']);
    return pythonMethod(text(value), 'replace')!(pyStr(old), pyStr(replacement), count);
  },
  regex_replace: (value, ...args) => regexReplace(value, args),
  regex_search: (value, ...args) => regexSearch(value, args),
  regex_findall: (value, ...args) => {
    const { regex, multiline, ignorecase } = bindArguments('regex_findall', args, ['regex', 'multiline', 'ignorecase']);
    const pattern = pythonRegex(String(regex), { ignorecase: Boolean(ignorecase), multiline: Boolean(multiline), global: true });
    return [...text(value).matchAll(pattern)].map((m) => (m.length === 1 ? m[0] : m.length === 2 ? (m[1] ?? '') : m.slice(1).map((g) => g ?? '')));
  },
  regex_escape(value, ...args) {
    const { re_type = 'python' } = bindArguments('regex_escape', args, ['re_type']);
    if (re_type === 'python') return text(value).replace(/[()[\]{}?*+\-|^$\\.&~# \t\n\r\v\f]/g, '\\$&');
    if (re_type === 'posix_basic') return text(value).replace(/[\].[^$*\\]/g, '\\$&');
    if (re_type === 'posix_extended') throw new TemplateError(`Regex type (${pyStr(re_type)}) not yet implemented`);
    throw new TemplateError(`Invalid regex type (${pyStr(re_type)})`);
  },
  basename: (value) => pyBasename(text(value)),
  dirname: (value) => pyDirname(text(value)),
  splitext: (value) => {
    const path = text(value);
    const base = pyBasename(path);
    const dot = base.lastIndexOf('.');
    if (dot <= 0 || /^\.+$/.test(base.slice(0, dot + 1))) return tuple([path, '']);
    const cut = path.length - base.length + dot;
    return tuple([path.slice(0, cut), path.slice(cut)]);
  },
  quote: (value) => pythonShellQuote(value === null ? '' : text(value)),
  b64encode: (value, ...args) => Buffer.from(text(value), bufferEncoding(args)).toString('base64'),
  b64decode: (value, ...args) => Buffer.from(text(value), 'base64').toString(bufferEncoding(args)),
  hash: (value, algorithm = 'sha1') => {
    if (!nodeCrypto().getHashes().includes(String(algorithm))) throw new TemplateError(`unsupported hash type ${pyStr(algorithm)}`);
    return hashOf(String(algorithm), value);
  },
  checksum: (value) => hashOf('sha1', value),
  sha1: (value) => hashOf('sha1', value),
  md5: (value) => hashOf('md5', value),
  format: (value, ...args) => pyFormat(text(value), args),
};
