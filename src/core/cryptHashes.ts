import { createHash } from 'node:crypto';

/**
 * The crypt(3) hashes built on a message digest: MD5-crypt (`$1$`, Poul-Henning Kamp's) and SHA-256/SHA-512
 * crypt (`$5$`/`$6$`, Ulrich Drepper's specification). Each returns the encoded checksum only; the caller
 * writes the `$id$...$salt$` prefix.
 */

export const CRYPT_ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Byte triples of the final digest, in the order each specification encodes them (-1: no byte). */
const SHA512_ORDER = [
  [0, 21, 42], [22, 43, 1], [44, 2, 23], [3, 24, 45], [25, 46, 4], [47, 5, 26], [6, 27, 48], [28, 49, 7], [50, 8, 29], [9, 30, 51], [31, 52, 10],
  [53, 11, 32], [12, 33, 54], [34, 55, 13], [56, 14, 35], [15, 36, 57], [37, 58, 16], [59, 17, 38], [18, 39, 60], [40, 61, 19], [62, 20, 41], [-1, -1, 63],
];
const SHA256_ORDER = [[0, 10, 20], [21, 1, 11], [12, 22, 2], [3, 13, 23], [24, 4, 14], [15, 25, 5], [6, 16, 26], [27, 7, 17], [18, 28, 8], [9, 19, 29], [-1, 31, 30]];
const MD5_ORDER = [[0, 6, 12], [1, 7, 13], [2, 8, 14], [3, 9, 15], [4, 10, 5], [-1, -1, 11]];

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

export function shaCrypt(algorithm: 'sha256' | 'sha512', password: Buffer, salt: Buffer, rounds: number): string {
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
  return encode(c, algorithm === 'sha512' ? SHA512_ORDER : SHA256_ORDER);
}

/** MD5-crypt: 1000 fixed rounds, salt of at most 8 characters. */
export function md5Crypt(password: Buffer, salt: Buffer): string {
  const alternate = digest('md5', password, salt, password);
  const a = createHash('md5').update(password).update('$1$').update(salt).update(repeated(alternate, password.length));
  // The specification's oddity: a zero byte for each set bit, the password's first byte for each clear one.
  const firstByte = password.subarray(0, 1);
  for (let bits = password.length; bits > 0; bits >>= 1) a.update(bits & 1 ? Buffer.alloc(1) : firstByte);
  let c = a.digest();
  for (let i = 0; i < 1000; i++) {
    const round = createHash('md5');
    round.update(i & 1 ? password : c);
    if (i % 3) round.update(salt);
    if (i % 7) round.update(password);
    round.update(i & 1 ? c : password);
    c = round.digest();
  }
  return encode(c, MD5_ORDER);
}
