import { randomInt } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseKv } from '../src/core/kvSplit.js';
import { hashPassword, hashScheme, randomCryptSalt } from '../src/core/passwordHash.js';
import { LookupError, textTerm, type LookupPlugin } from './lookup.js';
import { PythonRandom } from './pythonRandom.js';

/**
 * `password`: a random password, kept in a file on the controller (`path length=20 chars=... seed=...`;
 * the same keys may be options). A relative path starts at the playbook's folder; the file (mode 0600, its
 * folder 0700) is made on first use and read afterwards; `/dev/null` is never written. `chars` is a
 * comma-separated list of Python string-module names (`ascii_letters`, `digits`, `punctuation`...) or
 * literal characters (`,,` is a comma). With `seed` the password is Ansible's for the same seed (Python's
 * random generator, reproduced in pythonRandom.ts). `encrypt` (sha512_crypt, sha256_crypt, md5_crypt,
 * bcrypt; `ident` for bcrypt) returns the hash instead, made with a salt kept in the file after the
 * password (` salt=...`, and ` ident=...`), so the same hash comes back on every run.
 */
const PARAMS = ['length', 'encrypt', 'chars', 'ident', 'seed'];

const CHARACTER_SETS: Record<string, string> = {
  ascii_letters: 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ',
  ascii_lowercase: 'abcdefghijklmnopqrstuvwxyz',
  ascii_uppercase: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  digits: '0123456789',
  hexdigits: '0123456789abcdefABCDEF',
  octdigits: '01234567',
  punctuation: '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~',
  whitespace: ' \t\n\r\x0b\x0c',
};
CHARACTER_SETS['letters'] = CHARACTER_SETS['ascii_letters']!;
CHARACTER_SETS['printable'] = CHARACTER_SETS['digits']! + CHARACTER_SETS['ascii_letters'] + CHARACTER_SETS['punctuation'] + CHARACTER_SETS['whitespace'];

export const passwordLookup: LookupPlugin = {
  name: 'password',
  run: (terms, options, context) =>
    terms.map((term) => {
      const { path, params } = parseTerm(textTerm('password', term), options);
      const file = isAbsolute(path) ? path : resolve(context.baseDir, path);
      const stored = file === '/dev/null' || !existsSync(file) ? undefined : readFileSync(file, 'utf8').replace(/\s+$/, '');
      const encrypt = params['encrypt'] ? String(params['encrypt']) : undefined;
      const scheme = encrypt === undefined ? undefined : hashScheme(encrypt);
      if (encrypt !== undefined && scheme?.name !== encrypt) {
        throw new LookupError(`lookup 'password': encrypt=${encrypt} is not supported by playtree (sha512_crypt, sha256_crypt, md5_crypt, bcrypt)`);
      }
      let entry = stored === undefined ? { password: randomPassword(Number(params['length'] ?? 20), candidateChars(params['chars']), params['seed']) } : storedEntry(stored);
      let changed = stored === undefined;
      if (scheme) {
        // As ansible-core 2.14: the salt is kept in the file; the ident is the option's (bcrypt: 2b by default).
        changed ||= entry.salt === undefined || !params['ident'];
        entry = { password: entry.password, salt: entry.salt ?? randomCryptSalt(scheme.saltSize), ident: params['ident'] ? String(params['ident']) : scheme.name === 'bcrypt' ? '2b' : undefined };
      }
      if (changed && file !== '/dev/null') writePasswordFile(file, entry);
      if (!scheme) return entry.password;
      try {
        return hashPassword(entry.password, scheme.name, { salt: entry.salt!, ...(entry.ident ? { ident: entry.ident } : {}) });
      } catch (error) {
        throw new LookupError(`lookup 'password': ${(error as Error).message}`);
      }
    }),
};

interface PasswordEntry {
  password: string;
  salt?: string;
  ident?: string;
}

/** The file's `password salt=SALT ident=IDENT` (both optional, found from the right as Ansible does). */
function storedEntry(content: string): PasswordEntry {
  const saltAt = content.lastIndexOf(' salt=');
  if (saltAt < 0) return { password: content };
  const rest = content.slice(saltAt + ' salt='.length);
  const identAt = rest.lastIndexOf(' ident=');
  const entry: PasswordEntry = { password: content.slice(0, saltAt) };
  if (!rest) return entry;
  entry.salt = identAt < 0 ? rest : rest.slice(0, identAt);
  if (identAt >= 0) entry.ident = rest.slice(identAt + ' ident='.length);
  return entry;
}

function writePasswordFile(file: string, entry: PasswordEntry): void {
  const content = entry.password + (entry.salt ? ` salt=${entry.salt}` : '') + (entry.salt && entry.ident ? ` ident=${entry.ident}` : '');
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${content}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}

function parseTerm(term: string, options: Record<string, unknown>): { path: string; params: Record<string, unknown> } {
  const space = term.indexOf(' ');
  let path = space < 0 ? term : term.slice(0, space);
  const inline: Record<string, unknown> = space < 0 ? {} : parseKv(term.slice(space + 1));
  if (typeof inline['_raw_params'] === 'string') {
    path = `${path} ${inline['_raw_params']}`;
    delete inline['_raw_params'];
    if (!term.startsWith(path)) throw new LookupError('Unrecognized value after key=value parameters given to password lookup');
  }
  const params = { ...options, ...inline };
  const invalid = Object.keys(params).filter((key) => !PARAMS.includes(key));
  if (invalid.length) throw new LookupError(`Unrecognized parameter(s) given to password lookup: ${invalid.join(', ')}`);
  if (params['length'] !== undefined && !Number.isInteger(Number(params['length']))) throw new LookupError(`lookup 'password': length must be a number, got ${String(params['length'])}`);
  return { path, params };
}

function candidateChars(spec: unknown): string {
  let names: string[];
  if (spec === undefined || spec === null) names = ['ascii_letters', 'digits', '.,:-_'];
  else if (Array.isArray(spec)) names = spec.map(String);
  else {
    const text = String(spec);
    names = [...(text.includes(',,') ? [','] : []), ...text.replaceAll(',,', ',').split(',').filter(Boolean)];
  }
  const chars = names.map((name) => CHARACTER_SETS[name] ?? name).join('').replace(/["']/g, '');
  if (!chars) throw new LookupError("lookup 'password': chars gives no characters to choose from");
  return chars;
}

function randomPassword(length: number, chars: string, seed: unknown): string {
  let pick = (n: number) => randomInt(n);
  if (seed !== undefined && seed !== null) {
    const generator = new PythonRandom(typeof seed === 'number' && Number.isInteger(seed) ? seed : String(seed));
    pick = (n) => generator.below(n);
  }
  return Array.from({ length }, () => chars[pick(chars.length)]).join('');
}
