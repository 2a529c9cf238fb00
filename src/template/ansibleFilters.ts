import { createRequire } from 'node:module';
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import YAML from 'yaml';
import { TemplateError } from '../core/errors.js';
import { decryptVaultText, encryptVaultText, isVaultEncrypted } from '../core/vault.js';
import { bindArguments } from './filterArguments.js';
import { isMapping, isText, pyStr, tuple } from '../core/pythonValues.js';
import type { FilterFunction } from './runtime.js';
import { isUndefined, requireDefined, UndefinedValue } from '../core/undefinedValue.js';

/** Ansible core filters on structures, paths, dates, URLs and identifiers; the refused ones say why. */

function text(value: unknown): string {
  return pyStr(requireDefined(value));
}

/** `item | extract(container, morekeys)`: container[item], then each of morekeys, undefined when missing. */
function extract(item: unknown, container: unknown, morekeys?: unknown): unknown {
  const step = (from: unknown, key: unknown): unknown => {
    if (isUndefined(from)) return from;
    if (Array.isArray(from) && typeof key === 'number') return key < from.length ? from[key] : new UndefinedValue(`list object has no element ${key}`);
    if (from !== null && typeof from === 'object' && pyStr(key) in (from as object)) return (from as Record<string, unknown>)[pyStr(key)];
    return new UndefinedValue(`'${pyStr(key)}' is undefined`);
  };
  const keys = morekeys === undefined ? [] : Array.isArray(morekeys) ? morekeys : [morekeys];
  return keys.reduce((value, key) => step(value, key), step(container, requireDefined(item)));
}

function subelements(value: unknown, args: unknown[]): unknown[] {
  const { subelements: path, skip_missing = false } = bindArguments('subelements', args, ['subelements', 'skip_missing']);
  const defined = requireDefined(value);
  let items: unknown[];
  if (Array.isArray(defined)) items = defined;
  else if (isMapping(defined)) items = Object.values(defined);
  else throw new TemplateError('obj must be a list of dicts or a nested dict');
  let keys: string[];
  if (isText(path)) keys = path.toString().split('.');
  else if (Array.isArray(path)) keys = path.map((key) => pyStr(key));
  else throw new TemplateError('subelements must be a list or a string');
  const out: unknown[] = [];
  for (const element of items) {
    let values: unknown = element;
    let missing = false;
    for (const key of keys) {
      if (!isMapping(values)) throw new TemplateError(`the key ${key} should point to a dictionary, got '${pyStr(values)}'`);
      if (!(key in values)) {
        if (skip_missing) {
          missing = true;
          break;
        }
        throw new TemplateError(`could not find '${key}' key in iterated item '${pyStr(element)}'`);
      }
      values = values[key];
    }
    if (missing) continue;
    if (!Array.isArray(values)) throw new TemplateError(`the key ${keys[keys.length - 1]} should point to a list, got '${pyStr(values)}'`);
    for (const sub of values) out.push(tuple([element, sub]));
  }
  return out;
}

const PYTHON_DATE_CODES: Record<string, (d: Date) => string> = {
  Y: (d) => String(d.getFullYear()),
  y: (d) => String(d.getFullYear() % 100).padStart(2, '0'),
  m: (d) => String(d.getMonth() + 1).padStart(2, '0'),
  d: (d) => String(d.getDate()).padStart(2, '0'),
  H: (d) => String(d.getHours()).padStart(2, '0'),
  I: (d) => String(((d.getHours() + 11) % 12) + 1).padStart(2, '0'),
  M: (d) => String(d.getMinutes()).padStart(2, '0'),
  S: (d) => String(d.getSeconds()).padStart(2, '0'),
  f: (d) => String(d.getMilliseconds() * 1000).padStart(6, '0'),
  p: (d) => (d.getHours() < 12 ? 'AM' : 'PM'),
  a: (d) => d.toLocaleDateString('en-US', { weekday: 'short' }),
  A: (d) => d.toLocaleDateString('en-US', { weekday: 'long' }),
  b: (d) => d.toLocaleDateString('en-US', { month: 'short' }),
  B: (d) => d.toLocaleDateString('en-US', { month: 'long' }),
  j: (d) => String(Math.floor((d.getTime() - new Date(d.getFullYear(), 0, 1).getTime()) / 86400000) + 1).padStart(3, '0'),
  s: (d) => String(Math.floor(d.getTime() / 1000)),
  z: (d) => {
    const offset = -d.getTimezoneOffset();
    return `${offset < 0 ? '-' : '+'}${String(Math.floor(Math.abs(offset) / 60)).padStart(2, '0')}${String(Math.abs(offset) % 60).padStart(2, '0')}`;
  },
  '%': () => '%',
};

/** Python's strftime for the common codes, in local time. */
export function strftime(format: string, date: Date): string {
  return format.replace(/%([A-Za-z%])/g, (whole, code: string) => {
    if (code === 'F') return strftime('%Y-%m-%d', date);
    if (code === 'T') return strftime('%H:%M:%S', date);
    const render = PYTHON_DATE_CODES[code];
    if (!render) throw new TemplateError(`strftime: the format code ${whole} is not supported by playtree`);
    return render(date);
  });
}

/** `to_datetime`: Python's strptime for the common codes; the value is text in Python's datetime form. */
function toDatetime(value: unknown, format = '%Y-%m-%d %H:%M:%S'): string {
  const source = text(value);
  const fields: Record<string, number> = { Y: 1900, m: 1, d: 1, H: 0, M: 0, S: 0, f: 0 };
  const order: string[] = [];
  const pattern = String(format).replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%([YmdHMSfy%])/g, (_m, code: string) => {
    if (code === '%') return '%';
    order.push(code);
    return code === 'Y' ? '(\\d{4})' : code === 'f' ? '(\\d{1,6})' : '(\\d{1,2})';
  });
  const match = new RegExp(`^${pattern}$`).exec(source);
  if (!match || /%[^YmdHMSfy%]/.test(String(format))) throw new TemplateError(`time data '${source}' does not match format '${pyStr(format)}'`);
  order.forEach((code, i) => {
    const n = Number(match[i + 1]);
    if (code === 'y') fields.Y = n < 69 ? 2000 + n : 1900 + n;
    else fields[code] = code === 'f' ? Number(match[i + 1]!.padEnd(6, '0')) : n;
  });
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  const micro = fields.f ? `.${pad(fields.f!, 6)}` : '';
  return `${pad(fields.Y!, 4)}-${pad(fields.m!)}-${pad(fields.d!)} ${pad(fields.H!)}:${pad(fields.M!)}:${pad(fields.S!)}${micro}`;
}

// Ansible's namespace for to_uuid: 361E6D51-FAEC-444A-9079-341386DA8E2E.
const ANSIBLE_UUID_NAMESPACE = '361e6d51faec444a9079341386da8e2e';

function uuid5(name: string, namespace: unknown): string {
  const ns = namespace === undefined ? ANSIBLE_UUID_NAMESPACE : pyStr(namespace).replace(/[{}-]/g, '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(ns)) throw new TemplateError(`Invalid value '${pyStr(namespace)}' for 'namespace': not a UUID`);
  // node:crypto costs ~5 ms to load: taken on first use (as in textFilters.ts), not at start-up.
  const hash = process.getBuiltinModule('node:crypto').createHash('sha1').update(Buffer.from(ns, 'hex')).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function urlsplit(value: unknown, query?: unknown): unknown {
  const url = new URL(text(value));
  const parts: Record<string, unknown> = {
    fragment: url.hash.replace(/^#/, ''),
    hostname: url.hostname || null,
    netloc: url.host ? `${url.username ? `${url.username}${url.password ? `:${url.password}` : ''}@` : ''}${url.host}` : '',
    password: url.password || null,
    path: url.pathname,
    port: url.port ? Number(url.port) : null,
    query: url.search.replace(/^\?/, ''),
    scheme: url.protocol.replace(/:$/, ''),
    username: url.username || null,
  };
  if (query === undefined || query === null || query === '') return parts;
  if (!(pyStr(query) in parts)) throw new TemplateError(`urlsplit: unknown URL component: ${pyStr(query)}`);
  return parts[pyStr(query)];
}

/** Ansible's fileglob: the files (not folders) matching a pattern in its last path component. */
function fileglob(pattern: string): string[] {
  const folder = dirname(pattern);
  const regex = new RegExp(`^${basename(pattern).replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`);
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return [];
  }
  return names
    .filter((name) => regex.test(name) && !name.startsWith('.'))
    .map((name) => (folder === '.' && !pattern.startsWith('./') ? name : join(folder, name)))
    .filter((path) => statSync(path, { throwIfNoEntry: false })?.isFile());
}

function refused(name: string, why: string): FilterFunction {
  return () => {
    throw new TemplateError(`the ${name} filter is not supported by playtree: ${why}`);
  };
}

/**
 * password_hash and its crypt/bcrypt code are loaded on the filter's first call: filters run synchronously, so
 * with require() (Node's require of an ES module, Node 20.19 and later), as lookups/index.ts loads a lookup.
 */
const load = createRequire(import.meta.url);

export const ansibleFilters: Record<string, FilterFunction> = {
  extract: (item, container, morekeys) => extract(item, container, morekeys),
  subelements: (value, ...args) => subelements(value, args),
  to_datetime: (value, format) => toDatetime(value, format as string | undefined),
  strftime(value, ...args) {
    const { second, utc = false } = bindArguments('strftime', args, ['second', 'utc']);
    let date = new Date();
    if (second !== undefined && second !== null) {
      const epoch = Number(second);
      if (Number.isNaN(epoch)) throw new TemplateError(`Invalid value for epoch value (${pyStr(second)})`);
      date = new Date(epoch * 1000);
    }
    if (utc) date = new Date(date.getTime() + date.getTimezoneOffset() * 60000);
    return strftime(text(value), date);
  },
  from_yaml_all(value) {
    const defined = requireDefined(value);
    if (!isText(defined)) return defined;
    return YAML.parseAllDocuments(defined.toString()).map((doc) => doc.toJS());
  },
  to_uuid: (value, ...args) => {
    const { namespace } = bindArguments('to_uuid', args, ['namespace']);
    return uuid5(text(value), namespace);
  },
  path_join(value) {
    const defined = requireDefined(value);
    if (isText(defined)) return defined.toString();
    if (!Array.isArray(defined)) throw new TemplateError(`|path_join expects string or sequence, got ${pyStr(defined)} instead.`);
    // Python's os.path.join: an absolute part starts over.
    return defined.map((part) => pyStr(part)).reduce((joined, part) => (isAbsolute(part) || joined === '' ? part : join(joined, part).replace(/^(?!\/)/, '')), '');
  },
  expanduser: (value) => text(value).replace(/^~(?=\/|$)/, homedir()),
  expandvars: (value) => text(value).replace(/\$(\w+)|\$\{(\w+)\}/g, (whole, a?: string, b?: string) => process.env[(a ?? b)!] ?? whole),
  realpath(value) {
    const path = text(value);
    try {
      return realpathSync(path);
    } catch {
      return resolve(path);
    }
  },
  relpath: (value, start) => relative(start === undefined ? process.cwd() : text(start), text(value)),
  fileglob: (value) => fileglob(text(value)),
  urlsplit: (value, query) => urlsplit(value, query),
  urldecode: (value) => decodeURIComponent(text(value).replace(/\+/g, ' ')),
  win_basename: refused('win_basename', 'Windows paths are not handled'),
  win_dirname: refused('win_dirname', 'Windows paths are not handled'),
  win_splitdrive: refused('win_splitdrive', 'Windows paths are not handled'),
  password_hash: (value, ...args) => (load('./passwordHashFilter.js') as typeof import('./passwordHashFilter.js')).passwordHash(value, args),
  vault: vaultFilter,
  unvault: unvaultFilter,
};

/** `data | vault(secret, salt=None, vaultid='filter_default')`: vault text (1.2, labelled with vaultid), as Ansible's filter. */
function vaultFilter(value: unknown, ...args: unknown[]): string {
  const { secret, salt, vaultid = 'filter_default' } = bindArguments('vault', args, ['secret', 'salt', 'vaultid', 'wrap_object']);
  if (!isText(requireDefined(value))) throw new TemplateError(`Can only vault strings, instead we got: ${typeof value}`);
  if (!isText(requireDefined(secret))) throw new TemplateError('Secret passed is required to be a string');
  const saltBytes = salt === undefined || salt === null ? undefined : Buffer.from(text(salt), 'utf8');
  return encryptVaultText(Buffer.from(text(value), 'utf8'), Buffer.from(text(secret), 'utf8'), text(vaultid), saltBytes);
}

/** `vaulted | unvault(secret)`: the plaintext (text that is not vault data is given back as it is). */
function unvaultFilter(value: unknown, ...args: unknown[]): string {
  const { secret } = bindArguments('unvault', args, ['secret', 'vaultid']);
  if (!isText(requireDefined(secret))) throw new TemplateError('Secret passed is required to be a string');
  const vaulted = text(value);
  if (!isVaultEncrypted(vaulted)) return vaulted;
  let plaintext: Buffer | undefined;
  try {
    plaintext = decryptVaultText(vaulted, [{ label: 'filter_default', bytes: Buffer.from(text(secret), 'utf8') }]);
  } catch (error) {
    throw new TemplateError(`Unable to decrypt: ${(error as Error).message}`);
  }
  if (!plaintext) throw new TemplateError('Unable to decrypt: the secret given does not decrypt this vault text');
  return plaintext.toString('utf8');
}
