import { createHash } from 'node:crypto';

/**
 * Python's `random.Random(seed)` as far as `choice()` goes: the Mersenne Twister (MT19937, Matsumoto and
 * Nishimura's reference algorithm) seeded as CPython seeds it (a text seed becomes the integer of its UTF-8
 * bytes followed by their SHA-512, fed to init_by_array in 32-bit words, least significant first), so a
 * seeded password lookup gives Ansible's password.
 */
const N = 624;
const M = 397;

export class PythonRandom {
  private readonly state = new Uint32Array(N);
  private index = N;

  constructor(seed: string | number | bigint) {
    this.seedByArray(seedWords(seed));
  }

  private seedByArray(key: number[]): void {
    const mt = this.state;
    mt[0] = 19650218;
    for (let i = 1; i < N; i++) mt[i] = (Math.imul(1812433253, mt[i - 1]! ^ (mt[i - 1]! >>> 30)) + i) >>> 0;
    let i = 1;
    let j = 0;
    for (let k = Math.max(N, key.length); k > 0; k--) {
      mt[i] = ((mt[i]! ^ Math.imul(mt[i - 1]! ^ (mt[i - 1]! >>> 30), 1664525)) + key[j]! + j) >>> 0;
      i++;
      j++;
      if (i >= N) {
        mt[0] = mt[N - 1]!;
        i = 1;
      }
      if (j >= key.length) j = 0;
    }
    for (let k = N - 1; k > 0; k--) {
      mt[i] = ((mt[i]! ^ Math.imul(mt[i - 1]! ^ (mt[i - 1]! >>> 30), 1566083941)) - i) >>> 0;
      i++;
      if (i >= N) {
        mt[0] = mt[N - 1]!;
        i = 1;
      }
    }
    mt[0] = 0x80000000;
  }

  private twist(): void {
    const mt = this.state;
    for (let i = 0; i < N; i++) {
      const y = (mt[i]! & 0x80000000) | (mt[(i + 1) % N]! & 0x7fffffff);
      mt[i] = mt[(i + M) % N]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    }
    this.index = 0;
  }

  private next32(): number {
    if (this.index >= N) this.twist();
    let y = this.state[this.index++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** A number below `n` (n < 2**32), as CPython's _randbelow: `bit_length(n)` random bits, redrawn while too big. */
  below(n: number): number {
    const bits = 32 - Math.clz32(n);
    for (;;) {
      const value = bits === 0 ? 0 : this.next32() >>> (32 - bits);
      if (value < n) return value;
    }
  }
}

function seedWords(seed: string | number | bigint): number[] {
  let value: bigint;
  if (typeof seed === 'string') {
    const bytes = Buffer.from(seed, 'utf8');
    value = BigInt(`0x${Buffer.concat([bytes, createHash('sha512').update(bytes).digest()]).toString('hex')}`);
  } else {
    value = BigInt(seed);
    if (value < 0n) value = -value;
  }
  const words: number[] = [];
  for (; value > 0n; value >>= 32n) words.push(Number(value & 0xffffffffn));
  return words.length ? words : [0];
}
