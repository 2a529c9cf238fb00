import { TemplateError } from '../core/errors.js';
import { positionalArguments } from './filterArguments.js';
import { isMapping, pyContains, pyEquals, pyStr, tuple } from '../core/pythonValues.js';

/**
 * The Python methods playbooks call on values (`x.startswith('a')`, `d.items()`, `l.index(3)`), looked up
 * when a string, list or dict has no such key. Each returns a function bound to its receiver.
 */
type Method = (...args: unknown[]) => unknown;

function stripChars(chars: unknown): string {
  return chars === undefined || chars === null ? ' \t\n\r\v\f' : String(chars);
}

function lstrip(text: string, chars: unknown): string {
  const set = stripChars(chars);
  let i = 0;
  while (i < text.length && set.includes(text[i]!)) i++;
  return text.slice(i);
}

function rstrip(text: string, chars: unknown): string {
  const set = stripChars(chars);
  let i = text.length;
  while (i > 0 && set.includes(text[i - 1]!)) i--;
  return text.slice(0, i);
}

function startsOrEnds(text: string, prefix: unknown, ends: boolean): boolean {
  const options = Array.isArray(prefix) ? prefix : [prefix];
  return options.some((p) => (ends ? text.endsWith(String(p)) : text.startsWith(String(p))));
}

function split(text: string, sep: unknown, maxsplit: unknown): string[] {
  const limit = typeof maxsplit === 'number' && maxsplit >= 0 ? maxsplit : Infinity;
  if (sep === undefined || sep === null) {
    const words = text.trim().split(/\s+/).filter((w) => w !== '');
    if (limit === Infinity || words.length <= limit) return words;
    const head: string[] = [];
    let rest = text.trimStart();
    for (let i = 0; i < limit; i++) {
      const m = /^(\S+)\s+/.exec(rest);
      if (!m) break;
      head.push(m[1]!);
      rest = rest.slice(m[0].length);
    }
    return rest ? [...head, rest] : head;
  }
  const parts = text.split(String(sep));
  if (parts.length - 1 <= limit) return parts;
  return [...parts.slice(0, limit), parts.slice(limit).join(String(sep))];
}

function titleCase(text: string): string {
  return text.toLowerCase().replace(/(^|[^A-Za-z0-9'])([a-z])/g, (_m, pre: string, ch: string) => pre + ch.toUpperCase());
}

/** One `{:spec}` of str.format: fill/align, sign, zero padding, width, precision, type (d, f, s, x, %). */
function formatSpec(value: unknown, spec: string): string {
  const m = /^(?:(.)?([<>^=]))?([+\- ])?(0)?(\d+)?(?:\.(\d+))?([sdfxXeo%])?$/.exec(spec);
  if (!m) throw new TemplateError(`str.format: the format spec '${spec}' is not supported by playtree`);
  const [, fillChar, align, sign, zero, width, precision, type] = m;
  let out: string;
  const n = Number(value);
  if (type === 'f' || (precision !== undefined && typeof value === 'number' && type !== 's')) out = n.toFixed(precision === undefined ? 6 : Number(precision));
  else if (type === '%') out = (n * 100).toFixed(precision === undefined ? 6 : Number(precision)) + '%';
  else if (type === 'd') out = String(Math.trunc(n));
  else if (type === 'x' || type === 'X') out = Math.trunc(n).toString(16)[type === 'X' ? 'toUpperCase' : 'toLowerCase']();
  else if (type === 'o') out = Math.trunc(n).toString(8);
  else out = precision !== undefined ? pyStr(value).slice(0, Number(precision)) : pyStr(value);
  if (sign === '+' && typeof value === 'number' && n >= 0) out = '+' + out;
  const size = Number(width ?? 0);
  if (out.length >= size) return out;
  const fill = zero && !align ? '0' : (fillChar ?? ' ');
  const side = align ?? (zero ? '=' : typeof value === 'number' ? '>' : '<');
  const pad = size - out.length;
  if (side === '<') return out + fill.repeat(pad);
  if (side === '^') return fill.repeat(Math.floor(pad / 2)) + out + fill.repeat(pad - Math.floor(pad / 2));
  if (side === '=' && /^[+-]/.test(out)) return out[0] + fill.repeat(pad) + out.slice(1);
  return fill.repeat(pad) + out;
}

/** Python's str.format: `{}`, `{0}`, `{name}`, `{0[key]}`/`{x.attr}` and format specs; `{{`/`}}` are braces. */
function strFormat(text: string, args: unknown[]): string {
  const { positional, keywords } = positionalArguments(args);
  let next = 0;
  return text.replace(/\{\{|\}\}|\{([^{}:!]*)(?:![rsa])?(?::([^{}]*))?\}/g, (whole, field: string | undefined, spec: string | undefined) => {
    if (whole === '{{') return '{';
    if (whole === '}}') return '}';
    const [head, ...path] = (field ?? '').split(/\.|\[/).map((part) => part.replace(/\]$/, ''));
    let value: unknown = head === '' ? positional[next++] : /^\d+$/.test(head!) ? positional[Number(head)] : keywords[head!];
    for (const key of path) value = (value as Record<string, unknown> | undefined)?.[/^\d+$/.test(key) && Array.isArray(value) ? Number(key) : key];
    if (value === undefined) throw new TemplateError(`str.format: no value for '{${field ?? ''}}'`);
    return spec ? formatSpec(value, spec) : pyStr(value);
  });
}

function stringMethods(text: string): Record<string, Method> {
  return {
    startswith: (prefix) => startsOrEnds(text, prefix, false),
    endswith: (suffix) => startsOrEnds(text, suffix, true),
    strip: (chars) => rstrip(lstrip(text, chars), chars),
    lstrip: (chars) => lstrip(text, chars),
    rstrip: (chars) => rstrip(text, chars),
    lower: () => text.toLowerCase(),
    upper: () => text.toUpperCase(),
    capitalize: () => text.charAt(0).toUpperCase() + text.slice(1).toLowerCase(),
    title: () => titleCase(text),
    split: (sep, maxsplit) => split(text, sep, maxsplit),
    rsplit: (sep, maxsplit) => {
      if (typeof maxsplit !== 'number' || maxsplit < 0 || sep === undefined || sep === null) return split(text, sep, maxsplit);
      const parts = text.split(String(sep));
      if (parts.length - 1 <= maxsplit) return parts;
      const cut = parts.length - maxsplit;
      return [parts.slice(0, cut).join(String(sep)), ...parts.slice(cut)];
    },
    splitlines: () => text.split(/\r\n|\r|\n/).filter((line, i, all) => i < all.length - 1 || line !== ''),
    replace: (old, replacement, count) => {
      const parts = text.split(String(old));
      if (typeof count !== 'number' || count < 0) return parts.join(String(replacement));
      return parts.slice(0, count + 1).join(String(replacement)) + (parts.length > count + 1 ? String(old) + parts.slice(count + 1).join(String(old)) : '');
    },
    find: (sub) => text.indexOf(String(sub)),
    rfind: (sub) => text.lastIndexOf(String(sub)),
    index: (sub) => {
      const at = text.indexOf(String(sub));
      if (at < 0) throw new Error('substring not found');
      return at;
    },
    count: (sub) => (String(sub) === '' ? text.length + 1 : text.split(String(sub)).length - 1),
    join: (items) => (Array.isArray(items) ? items.map((i) => pyStr(i)).join(text) : String(items)),
    isdigit: () => /^[0-9]+$/.test(text),
    isnumeric: () => /^[0-9]+$/.test(text),
    isdecimal: () => /^[0-9]+$/.test(text),
    isspace: () => /^\s+$/.test(text),
    swapcase: () => Array.from(text, (ch) => (ch === ch.toUpperCase() ? ch.toLowerCase() : ch.toUpperCase())).join(''),
    casefold: () => text.toLowerCase(),
    partition: (sep) => {
      const at = text.indexOf(String(sep));
      return tuple(at < 0 ? [text, '', ''] : [text.slice(0, at), String(sep), text.slice(at + String(sep).length)]);
    },
    rpartition: (sep) => {
      const at = text.lastIndexOf(String(sep));
      return tuple(at < 0 ? ['', '', text] : [text.slice(0, at), String(sep), text.slice(at + String(sep).length)]);
    },
    isalpha: () => /^[A-Za-z]+$/.test(text),
    isalnum: () => /^[A-Za-z0-9]+$/.test(text),
    isupper: () => /[A-Z]/.test(text) && text === text.toUpperCase(),
    islower: () => /[a-z]/.test(text) && text === text.toLowerCase(),
    zfill: (width) => text.padStart(Number(width), '0'),
    ljust: (width, fill) => text.padEnd(Number(width), fill === undefined ? ' ' : String(fill)),
    rjust: (width, fill) => text.padStart(Number(width), fill === undefined ? ' ' : String(fill)),
    center: (width) => {
      const total = Math.max(0, Number(width) - text.length);
      const left = Math.floor(total / 2) + (total % 2 && Number(width) % 2 ? 1 : 0);
      return ' '.repeat(left) + text + ' '.repeat(total - left);
    },
    format: (...args) => strFormat(text, args),
  };
}

function listMethods(list: unknown[]): Record<string, Method> {
  return {
    index: (item) => {
      const at = list.findIndex((entry) => pyEquals(entry, item));
      if (at < 0) throw new Error(`${pyStr(item)} is not in list`);
      return at;
    },
    count: (item) => list.filter((entry) => pyEquals(entry, item)).length,
    // Mutators exist for `{% set _ = l.append(x) %}` idioms; they return None as Python does.
    append: (item) => {
      list.push(item);
      return null;
    },
    extend: (items) => {
      list.push(...(items as unknown[]));
      return null;
    },
    insert: (at, item) => {
      list.splice(Number(at), 0, item);
      return null;
    },
    pop: (at) => (at === undefined ? list.pop() : list.splice(Number(at), 1)[0]),
    remove: (item) => {
      const at = list.findIndex((entry) => pyEquals(entry, item));
      if (at >= 0) list.splice(at, 1);
      return null;
    },
    copy: () => [...list],
  };
}

function dictMethods(dict: Record<string, unknown>): Record<string, Method> {
  return {
    items: () => Object.keys(dict).map((key) => tuple([key, dict[key]])),
    keys: () => Object.keys(dict),
    values: () => Object.keys(dict).map((key) => dict[key]),
    get: (key, fallback = null) => (pyContains(dict, key) && dict[String(key)] !== undefined ? dict[String(key)] : fallback),
    copy: () => ({ ...dict }),
    update: (other) => {
      Object.assign(dict, other);
      return null;
    },
    pop: (key, fallback = null) => {
      if (!(String(key) in dict)) return fallback;
      const value = dict[String(key)];
      delete dict[String(key)];
      return value;
    },
    setdefault: (key, fallback = null) => {
      if (!(String(key) in dict)) dict[String(key)] = fallback;
      return dict[String(key)];
    },
  };
}

/** The Python method `name` of `receiver`, or undefined when it has none. */
export function pythonMethod(receiver: unknown, name: string): Method | undefined {
  let methods: Record<string, Method> | undefined;
  if (typeof receiver === 'string' || receiver instanceof String) methods = stringMethods(receiver.toString());
  else if (Array.isArray(receiver)) methods = listMethods(receiver);
  else if (isMapping(receiver)) methods = dictMethods(receiver);
  return methods && Object.prototype.hasOwnProperty.call(methods, name) ? methods[name] : undefined;
}
