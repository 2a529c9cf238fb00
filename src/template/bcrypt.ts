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

  constructor() {
    piWords ??= piFractionWords(P_WORDS + S_WORDS);
    this.p = piWords.slice(0, P_WORDS);
    this.s = piWords.slice(P_WORDS);
  }

  private f(x: number): number {
    const s = this.s;
    return ((((s[x >>> 24]! + s[256 + ((x >>> 16) & 0xff)]!) >>> 0) ^ s[512 + ((x >>> 8) & 0xff)]!) + s[768 + (x & 0xff)]!) >>> 0;
  }

  /** Encrypts the block held in `block[at]`, `block[at + 1]` in place. */
  encrypt(block: Uint32Array, at: number): void {
    let left = block[at]!;
    let right = block[at + 1]!;
    for (let i = 0; i < 16; i += 2) {
      left ^= this.p[i]!;
      right ^= this.f(left);
      right ^= this.p[i + 1]!;
      left ^= this.f(right);
    }
    block[at] = (right ^ this.p[17]!) >>> 0;
    block[at + 1] = (left ^ this.p[16]!) >>> 0;
  }

  /** The key schedule step of eksblowfish: the key into P, then P and S re-made by encryption, mixing in `salt` if given. */
  expand(key: Buffer, salt?: Buffer): void {
    let keyAt = 0;
    for (let i = 0; i < P_WORDS; i++) {
      let word = 0;
      for (let b = 0; b < 4; b++, keyAt = (keyAt + 1) % key.length) word = (word << 8) | key[keyAt]!;
      this.p[i] = (this.p[i]! ^ word) >>> 0;
    }
    const block = new Uint32Array(2);
    let saltAt = 0;
    const refill = (target: Uint32Array, length: number): void => {
      for (let i = 0; i < length; i += 2) {
        if (salt) {
          block[0] = block[0]! ^ salt.readUInt32BE(saltAt);
          block[1] = block[1]! ^ salt.readUInt32BE(saltAt + 4);
          saltAt = (saltAt + 8) % salt.length;
        }
        this.encrypt(block, 0);
        target[i] = block[0]!;
        target[i + 1] = block[1]!;
      }
    };
    refill(this.p, P_WORDS);
    refill(this.s, S_WORDS);
  }
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
  const cipher = new Blowfish();
  cipher.expand(key, saltBytes);
  for (let round = 2 ** cost; round > 0; round--) {
    cipher.expand(key);
    cipher.expand(saltBytes);
  }
  const text = new Uint32Array(6);
  const magic = Buffer.from('OrpheanBeholderScryDoubt');
  for (let i = 0; i < 6; i++) text[i] = magic.readUInt32BE(4 * i);
  for (let i = 0; i < 64; i++) for (let at = 0; at < 6; at += 2) cipher.encrypt(text, at);
  const out = Buffer.alloc(24);
  text.forEach((word, i) => out.writeUInt32BE(word, 4 * i));
  return `$${ident}$${String(cost).padStart(2, '0')}$${encode64(saltBytes)}${encode64(out.subarray(0, 23))}`;
}
