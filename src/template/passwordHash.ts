import { createHash, randomBytes } from 'node:crypto';
import { TemplateError } from '../errors.js';
import { bindArguments } from './filterArguments.js';
import { pyStr } from './pythonValues.js';
import { requireDefined } from './undefinedValue.js';

/**
 * `password_hash`: SHA-512 and SHA-256 crypt (Ulrich Drepper's specification, the `$6$`/`$5$` strings
 * /etc/shadow holds). Defaults follow passlib, which Ansible uses when installed: a random 16-character
 * salt and 656000 (sha512) or 535000 (sha256) rounds, written out. Other hash types are refused.
 */

const CRYPT_ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

interface Scheme {
  id: string;
  algorithm: 'sha512' | 'sha256';
  defaultRounds: number;
  /** Byte triples of the final digest, in the order the specification encodes them. */
  order: number[][];
}

const SHA512_ORDER = [
  [0, 21, 42], [22, 43, 1], [44, 2, 23], [3, 24, 45], [25, 46, 4], [47, 5, 26], [6, 27, 48], [28, 49, 7], [50, 8, 29], [9, 30, 51], [31, 52, 10],
  [53, 11, 32], [12, 33, 54], [34, 55, 13], [56, 14, 35], [15, 36, 57], [37, 58, 16], [59, 17, 38], [18, 39, 60], [40, 61, 19], [62, 20, 41], [-1, -1, 63],
];
const SHA256_ORDER = [[0, 10, 20], [21, 1, 11], [12, 22, 2], [3, 13, 23], [24, 4, 14], [15, 25, 5], [6, 16, 26], [27, 7, 17], [18, 28, 8], [9, 19, 29], [-1, 31, 30]];

const SCHEMES: Record<string, Scheme> = {
  sha512: { id: '6', algorithm: 'sha512', defaultRounds: 656000, order: SHA512_ORDER },
  sha512_crypt: { id: '6', algorithm: 'sha512', defaultRounds: 656000, order: SHA512_ORDER },
  sha256: { id: '5', algorithm: 'sha256', defaultRounds: 535000, order: SHA256_ORDER },
  sha256_crypt: { id: '5', algorithm: 'sha256', defaultRounds: 535000, order: SHA256_ORDER },
};

function digest(algorithm: string, ...parts: Buffer[]): Buffer {
  const hash = createHash(algorithm);
  for (const part of parts) hash.update(part);
  return hash.digest();
}

/** `length` bytes made of `block` repeated. */
function repeated(block: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let at = 0; at < length; at += block.length) block.copy(out, at, 0, Math.min(block.length, length - at));
  return out;
}

function encode(final: Buffer, order: number[][]): string {
  let out = '';
  for (const [a, b, c] of order) {
    const chars = a === -1 ? (b === -1 ? 2 : 3) : 4;
    let word = (a === -1 ? 0 : final[a]! << 16) | (b === -1 ? 0 : final[b!]! << 8) | final[c!]!;
    for (let i = 0; i < chars; i++, word >>= 6) out += CRYPT_ALPHABET[word & 0x3f];
  }
  return out;
}

function shaCrypt(scheme: Scheme, password: Buffer, salt: Buffer, rounds: number): Buffer {
  const { algorithm } = scheme;
  const alternate = digest(algorithm, password, salt, password);
  const a = createHash(algorithm).update(password).update(salt).update(repeated(alternate, password.length));
  for (let bits = password.length; bits > 0; bits >>= 1) a.update(bits & 1 ? alternate : password);
  const first = a.digest();
  const pBytes = repeated(digest(algorithm, ...Array(password.length).fill(password)), password.length);
  const sBytes = repeated(digest(algorithm, ...Array(16 + first[0]!).fill(salt)), salt.length);
  let c = first;
  for (let i = 0; i < rounds; i++) {
    const round = createHash(algorithm);
    round.update(i & 1 ? pBytes : c);
    if (i % 3) round.update(sBytes);
    if (i % 7) round.update(pBytes);
    round.update(i & 1 ? c : pBytes);
    c = round.digest();
  }
  return c;
}

function randomSalt(size: number): string {
  return Array.from(randomBytes(size), (byte) => CRYPT_ALPHABET[byte & 0x3f]).join('');
}

export function passwordHash(value: unknown, args: unknown[]): string {
  const { hashtype = 'sha512', salt, salt_size, rounds, ident } = bindArguments('password_hash', args, ['hashtype', 'salt', 'salt_size', 'rounds', 'ident']);
  void ident;
  const scheme = SCHEMES[pyStr(hashtype)];
  if (!scheme) throw new TemplateError(`password_hash: ${pyStr(hashtype)} is not supported by playtree (sha512, sha256); passlib does not support it either unless installed with it`);
  if (salt_size !== undefined && salt_size !== null && typeof salt_size !== 'number') throw new TemplateError(`password_hash: salt_size must be an integer, got ${pyStr(salt_size)}`);
  const saltText = (salt === undefined || salt === null ? randomSalt(typeof salt_size === 'number' ? salt_size : 16) : pyStr(salt)).slice(0, 16);
  if (!/^[./0-9A-Za-z]*$/.test(saltText)) throw new TemplateError(`password_hash: invalid characters in salt '${saltText}'`);
  const count = rounds === undefined || rounds === null ? scheme.defaultRounds : Math.min(Math.max(Number(rounds), 1000), 999999999);
  const hashed = shaCrypt(scheme, Buffer.from(pyStr(requireDefined(value)), 'utf8'), Buffer.from(saltText), count);
  // Like passlib, 5000 rounds (the specification's default) are left implicit.
  return `$${scheme.id}$${count === 5000 ? '' : `rounds=${count}$`}${saltText}$${encode(hashed, scheme.order)}`;
}
