import { randomBytes } from 'node:crypto';
import { bcryptHash, isBcryptSalt } from './bcrypt.js';
import { CRYPT_ALPHABET, md5Crypt, shaCrypt } from './cryptHashes.js';

/**
 * `password_hash` and the password lookup's `encrypt`: the crypt(3) strings /etc/shadow holds, made as
 * passlib makes them (Ansible uses it when installed): SHA-512 and SHA-256 crypt (`$6$`, `$5$`; 656000 and
 * 535000 rounds unless `rounds` says, written out unless 5000), MD5-crypt (`$1$`) and bcrypt (`$2b$`, cost 12;
 * `ident` 2a, 2b or 2y). A missing salt is random: 16 characters (8 for md5, 22 for bcrypt).
 */

export interface HashScheme {
  /** passlib's name: the lookup's `encrypt` value. */
  name: string;
  saltSize: number;
  defaultRounds?: number;
}

const SCHEMES: Record<string, HashScheme> = {
  sha512_crypt: { name: 'sha512_crypt', saltSize: 16, defaultRounds: 656000 },
  sha256_crypt: { name: 'sha256_crypt', saltSize: 16, defaultRounds: 535000 },
  md5_crypt: { name: 'md5_crypt', saltSize: 8 },
  bcrypt: { name: 'bcrypt', saltSize: 22, defaultRounds: 12 },
};

/** The filter's short names, as ansible-core maps them to passlib's. */
const FILTER_NAMES: Record<string, string> = { sha512: 'sha512_crypt', sha256: 'sha256_crypt', md5: 'md5_crypt', blowfish: 'bcrypt' };

export interface HashOptions {
  salt?: string;
  saltSize?: number;
  rounds?: number;
  ident?: string;
}

export function hashScheme(name: string): HashScheme | undefined {
  return SCHEMES[FILTER_NAMES[name] ?? name];
}

export function randomCryptSalt(size: number): string {
  return Array.from(randomBytes(size), (byte) => CRYPT_ALPHABET[byte & 0x3f]).join('');
}

/** Hashes `secret`; a bad option throws an Error whose message the caller prefixes with its own name. */
export function hashPassword(secret: string, schemeName: string, options: HashOptions = {}): string {
  const scheme = hashScheme(schemeName);
  if (!scheme) throw new Error(`${schemeName} is not supported by playtree (sha512_crypt, sha256_crypt, md5_crypt, bcrypt)`);
  const salt = options.salt ?? randomCryptSalt(options.saltSize ?? scheme.saltSize);
  if (!/^[./0-9A-Za-z]*$/.test(salt)) throw new Error(`invalid characters in salt '${salt}'`);
  const password = Buffer.from(secret, 'utf8');
  if (scheme.name === 'bcrypt') {
    const ident = options.ident || '2b';
    if (!['2a', '2b', '2y'].includes(ident)) throw new Error(`bcrypt ident ${ident} is not supported (2a, 2b, 2y)`);
    if (!isBcryptSalt(salt)) throw new Error(`a bcrypt salt is 22 characters of ./A-Za-z0-9, got '${salt}'`);
    const cost = options.rounds ?? scheme.defaultRounds!;
    if (!Number.isInteger(cost) || cost < 4 || cost > 31) throw new Error(`bcrypt rounds must be between 4 and 31, got ${cost}`);
    return bcryptHash(password, salt, cost, ident);
  }
  if (salt.length > scheme.saltSize) throw new Error(`salt too large (${scheme.name} takes at most ${scheme.saltSize} characters)`);
  if (scheme.name === 'md5_crypt') return `$1$${salt}$${md5Crypt(password, Buffer.from(salt))}`;
  const rounds = Math.min(Math.max(options.rounds ?? scheme.defaultRounds!, 1000), 999999999);
  const id = scheme.name === 'sha512_crypt' ? '6' : '5';
  const checksum = shaCrypt(scheme.name === 'sha512_crypt' ? 'sha512' : 'sha256', password, Buffer.from(salt), rounds);
  // Like passlib, 5000 rounds (the specification's default) are left implicit.
  return `$${id}$${rounds === 5000 ? '' : `rounds=${rounds}$`}${salt}$${checksum}`;
}
