import { ModuleError } from '../src/errors.js';
import type { ArgSpec, ArgType, ModuleDefinition } from './module.js';

/**
 * Split Ansible's `k=v` free-form text (`src=a dest='b c' mode=0644`) into pairs, honouring single and
 * double quotes and backslash escapes as ansible's parse_kv does. Words without `=` are returned in `rest`
 * (the free-form part of `command`/`shell`), in order, with their original quoting.
 */
export function parseKeyValue(text: string): { pairs: Record<string, string>; rest: string } {
  const pairs: Record<string, string> = {};
  const rest: string[] = [];
  for (const word of splitWords(text)) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(word.raw);
    if (match) pairs[match[1]!] = unquote(match[2]!);
    else rest.push(word.raw);
  }
  return { pairs, rest: rest.join(' ') };
}

interface Word {
  raw: string;
}

/** Words separated by unquoted whitespace; `{{ }}` and `{% %}` blocks are kept whole. */
function splitWords(text: string): Word[] {
  const words: Word[] = [];
  let current = '';
  let quote: string | null = null;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    const pair = text.slice(i, i + 2);
    if (!quote && (pair === '{{' || pair === '{%')) {
      depth++;
      current += pair;
      i++;
      continue;
    }
    if (!quote && depth > 0 && (pair === '}}' || pair === '%}')) {
      depth--;
      current += pair;
      i++;
      continue;
    }
    if (ch === '\\' && i + 1 < text.length && quote !== "'") {
      current += ch + text[i + 1];
      i++;
      continue;
    }
    if (quote) {
      if (ch === quote) quote = null;
      current += ch;
      continue;
    }
    if ((ch === '"' || ch === "'") && depth === 0) {
      quote = ch;
      current += ch;
      continue;
    }
    if (/\s/.test(ch) && depth === 0) {
      if (current) words.push({ raw: current });
      current = '';
      continue;
    }
    current += ch;
  }
  if (current) words.push({ raw: current });
  return words;
}

function unquote(value: string): string {
  if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.at(-1) === value[0]) {
    const inner = value.slice(1, -1);
    return value[0] === '"' ? inner.replace(/\\(["\\])/g, '$1') : inner;
  }
  return value;
}

const TRUE_WORDS = new Set(['yes', 'on', '1', 'true', 'y', 't']);
const FALSE_WORDS = new Set(['no', 'off', '0', 'false', 'n', 'f', '']);

/** Ansible's boolean() conversion: true/false, yes/no, on/off, 1/0 (any case). */
export function toBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'string') {
    const word = value.trim().toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
  }
  return undefined;
}

function convert(name: string, value: unknown, type: ArgType, elements?: ArgType): unknown {
  const bad = (what: string) =>
    new ModuleError(`argument '${name}' is of type ${typeof value} and we were unable to convert to ${what}: ${JSON.stringify(value)}`);
  switch (type) {
    case 'raw':
      return value;
    case 'str':
    case 'path':
      if (typeof value === 'string') return value;
      if (typeof value === 'number' || typeof value === 'boolean') return String(value);
      throw bad('str');
    case 'bool': {
      const b = toBoolean(value);
      if (b === undefined) throw bad('bool');
      return b;
    }
    case 'int': {
      if (typeof value === 'number' && Number.isInteger(value)) return value;
      if (typeof value === 'string' && /^\s*[-+]?\d+\s*$/.test(value)) return parseInt(value, 10);
      throw bad('int');
    }
    case 'float': {
      const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
      if (Number.isNaN(n)) throw bad('float');
      return n;
    }
    case 'list': {
      const list = Array.isArray(value)
        ? value
        : typeof value === 'string'
          ? value.split(',').map((s) => s.trim()).filter((s) => s !== '')
          : value === null
            ? []
            : [value];
      return elements ? list.map((item, i) => convert(`${name}[${i}]`, item, elements)) : list;
    }
    case 'dict':
      if (value && typeof value === 'object' && !Array.isArray(value)) return value;
      if (typeof value === 'string') {
        const { pairs, rest } = parseKeyValue(value);
        if (!rest) return pairs;
      }
      throw bad('dict');
  }
}

/**
 * Check a task's arguments against a module's spec: unknown names are errors, aliases map to their
 * argument, values are converted to their declared type, defaults filled in, required ones enforced.
 */
export function validateModuleArgs(module: ModuleDefinition, given: Record<string, unknown>): Record<string, unknown> {
  const byName = new Map<string, string>();
  for (const [name, spec] of Object.entries(module.args)) {
    byName.set(name, name);
    for (const alias of spec.aliases ?? []) byName.set(alias, name);
  }
  const out: Record<string, unknown> = {};
  const unknown: string[] = [];
  for (const [key, value] of Object.entries(given)) {
    const name = byName.get(key);
    if (!name) {
      unknown.push(key);
      continue;
    }
    const spec = module.args[name]!;
    if (value === null || value === undefined) {
      out[name] = spec.type === 'list' ? [] : undefined;
      continue;
    }
    out[name] = convert(name, value, spec.type, spec.elements);
    if (spec.choices && !spec.choices.includes(out[name])) {
      throw new ModuleError(`value of ${name} must be one of: ${spec.choices.join(', ')}, got: ${String(out[name])}`);
    }
  }
  if (unknown.length) {
    const supported = Object.keys(module.args).filter((n) => !n.startsWith('_')).sort().join(', ');
    throw new ModuleError(`Unsupported parameters for (${module.name}) module: ${unknown.sort().join(', ')}. Supported parameters include: ${supported}.`);
  }
  for (const [name, spec] of Object.entries(module.args) as [string, ArgSpec][]) {
    if (out[name] === undefined && spec.default !== undefined) out[name] = spec.default;
    if (spec.required && (out[name] === undefined || out[name] === null)) {
      throw new ModuleError(`missing required arguments: ${name}`);
    }
    if (!(name in out)) out[name] = undefined;
  }
  return out;
}
