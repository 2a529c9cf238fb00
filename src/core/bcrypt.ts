/**
 * bcrypt (`$2b$`), written from Provos and Mazières' description ("A Future-Adaptable Password Scheme",
 * 1999) and Schneier's Blowfish. Node's OpenSSL 3 has no Blowfish, so the cipher is here. Blowfish's
 * initial P-array and S-boxes are the hexadecimal digits of pi's fraction; they are computed once, on
 * the first use, from Machin's formula in BigInt arithmetic instead of being written out.
 */

const BCRYPT_ALPHABET = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const P_WORDS = 18;
const S_WORDS = 4 * 256;

let piWords: Uint32Array | undefined;

/** arctan(1/x) scaled by `one`, by its Taylor series. */
function arctanInverse(x: bigint, one: bigint): bigint {
  const xSquared = x * x;
  let power = one / x;
  let sum = power;
  for (let k = 1n; power !== 0n; k++) {
    power /= xSquared;
    const term = power / (2n * k + 1n);
    sum += k % 2n ? -term : term;
  }
  return sum;
}

/** The first `count` 32-bit words of pi's fractional part (pi = 3.243F6A88 85A308D3 ...). */
function piFractionWords(count: number): Uint32Array {
  const bits = BigInt(count * 32);
  const guard = 64n;
  const one = 1n << (bits + guard);
  const pi = 16n * arctanInverse(5n, one) - 4n * arctanInverse(239n, one);
  const fraction = (pi - 3n * one) >> guard;
  const words = new Uint32Array(count);
  for (let i = 0; i < count; i++) words[i] = Number((fraction >> (bits - BigInt(32 * (i + 1)))) & 0xffffffffn);
  return words;
}

class Blowfish {
  readonly p: Uint32Array;
  readonly s: Uint32Array;
  /** The block the last encrypt() left. */
  left = 0;
  right = 0;

  constructor() {
    piWords ??= piFractionWords(P_WORDS + S_WORDS);
    this.p = piWords.slice(0, P_WORDS);
    this.s = piWords.slice(P_WORDS);
  }

  /** Encrypts one block into `left`/`right` (the round function F inlined: this loop is bcrypt's cost). */
  encrypt(left: number, right: number): void {
    const { p, s } = this;
    for (let i = 0; i < 16; i += 2) {
      left ^= p[i]!;
      right ^= ((((s[left >>> 24]! + s[256 | ((left >>> 16) & 0xff)]!) ^ s[512 | ((left >>> 8) & 0xff)]!) + s[768 | (left & 0xff)]!) ^ p[i + 1]!);
      left ^= (((s[right >>> 24]! + s[256 | ((right >>> 16) & 0xff)]!) ^ s[512 | ((right >>> 8) & 0xff)]!) + s[768 | (right & 0xff)]!);
    }
    this.left = (right ^ p[17]!) >>> 0;
    this.right = (left ^ p[16]!) >>> 0;
  }

  /** The key schedule step of eksblowfish: the key into P, then P and S re-made by encryption, mixing in `salt` if given. */
  expand(keyWords: Uint32Array, salt?: Buffer): void {
    for (let i = 0; i < P_WORDS; i++) this.p[i] = (this.p[i]! ^ keyWords[i]!) >>> 0;
    const saltWords = salt ? [0, 4, 8, 12].map((at) => salt.readUInt32BE(at)) : [0, 0, 0, 0];
    let saltAt = 0;
    this.left = 0;
    this.right = 0;
    for (const target of [this.p, this.s]) {
      for (let i = 0; i < target.length; i += 2) {
        this.encrypt(this.left ^ saltWords[saltAt]!, this.right ^ saltWords[saltAt + 1]!);
        saltAt ^= 2;
        target[i] = this.left;
        target[i + 1] = this.right;
      }
    }
  }
}

/** The 18 big-endian words P takes from `bytes` read round and round. */
function cyclicWords(bytes: Buffer): Uint32Array {
  const words = new Uint32Array(P_WORDS);
  for (let i = 0, at = 0; i < P_WORDS; i++) {
    let word = 0;
    for (let b = 0; b < 4; b++, at = (at + 1) % bytes.length) word = (word << 8) | bytes[at]!;
    words[i] = word >>> 0;
  }
  return words;
}

function encode64(bytes: Buffer): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const chunk = bytes.subarray(i, i + 3);
    const word = (chunk[0]! << 16) | ((chunk[1] ?? 0) << 8) | (chunk[2] ?? 0);
    for (let c = 0; c <= chunk.length; c++) out += BCRYPT_ALPHABET[(word >> (18 - 6 * c)) & 0x3f];
  }
  return out;
}

function decode64(text: string): Buffer {
  const bytes: number[] = [];
  let bits = 0;
  let value = 0;
  for (const char of text) {
    value = (value << 6) | BCRYPT_ALPHABET.indexOf(char);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((value >> bits) & 0xff);
    }
  }
  return Buffer.from(bytes);
}

export function isBcryptSalt(salt: string): boolean {
  return /^[./A-Za-z0-9]{22}$/.test(salt);
}

/**
 * The `$2b$NN$salt+checksum` string. `salt` is 22 characters of bcrypt's alphabet (its last one's unused
 * bits are cleared, as passlib does); the password, with its closing zero byte, is cut at 72 bytes.
 */
export function bcryptHash(password: Buffer, salt: string, cost: number, ident: string): string {
  const saltBytes = decode64(salt).subarray(0, 16);
  const key = Buffer.concat([password, Buffer.alloc(1)]).subarray(0, 72);
  const keyWords = cyclicWords(key);
  const saltWords = cyclicWords(saltBytes);
  const cipher = new Blowfish();
  cipher.expand(keyWords, saltBytes);
  for (let round = 2 ** cost; round > 0; round--) {
    cipher.expand(keyWords);
    cipher.expand(saltWords);
  }
  const text = new Uint32Array(6);
  const magic = Buffer.from('OrpheanBeholderScryDoubt');
  for (let i = 0; i < 6; i++) text[i] = magic.readUInt32BE(4 * i);
  for (let i = 0; i < 64; i++) {
    for (let at = 0; at < 6; at += 2) {
      cipher.encrypt(text[at]!, text[at + 1]!);
      text[at] = cipher.left;
      text[at + 1] = cipher.right;
    }
  }
  const out = Buffer.alloc(24);
  text.forEach((word, i) => out.writeUInt32BE(word, 4 * i));
  return `$${ident}$${String(cost).padStart(2, '0')}$${encode64(saltBytes)}${encode64(out.subarray(0, 23))}`;
}
