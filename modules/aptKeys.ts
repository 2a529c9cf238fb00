import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { ModuleError } from '../src/core/errors.js';
import { download } from '../src/core/httpDownload.js';
import type { Target } from './module.js';

/**
 * OpenPGP public keys as apt wants them, without gpg: armored text turned into binary packets, the v4
 * fingerprints of the keys and subkeys they hold (to check an `id` and to name a key file), and the bytes
 * of a key fetched from a URL (by the controller), a file of the target, or given inline.
 */

const ARMOR_BEGIN = '-----BEGIN PGP PUBLIC KEY BLOCK-----';

export function isArmored(data: Buffer): boolean {
  return data.includes(ARMOR_BEGIN);
}

/** The binary packets of an armored block (headers and the `=` checksum line skipped). */
export function dearmor(text: string): Buffer {
  const start = text.indexOf(ARMOR_BEGIN);
  const end = text.indexOf('-----END PGP PUBLIC KEY BLOCK-----');
  if (start < 0 || end < start) throw new ModuleError('key data is not an OpenPGP public key block');
  const lines = text.slice(start + ARMOR_BEGIN.length, end).split(/\r?\n/);
  const blank = lines.findIndex((line, i) => i > 0 && line.trim() === '');
  const body = lines.slice(blank + 1).filter((line) => !line.startsWith('='));
  return Buffer.from(body.join(''), 'base64');
}

/** Upper-case v4 fingerprints of every public key and subkey packet, in order. */
export function fingerprints(data: Buffer): string[] {
  const packets = isArmored(data) ? dearmor(data.toString('latin1')) : data;
  const found: string[] = [];
  let at = 0;
  while (at < packets.length) {
    const header = packets[at]!;
    if ((header & 0x80) === 0) throw new ModuleError('key data is not an OpenPGP public key (bad packet header)');
    let tag: number;
    let length: number;
    let start: number;
    if (header & 0x40) {
      tag = header & 0x3f;
      const first = packets[at + 1]!;
      if (first < 192) [length, start] = [first, at + 2];
      else if (first < 224) [length, start] = [((first - 192) << 8) + packets[at + 2]! + 192, at + 3];
      else if (first === 255) [length, start] = [packets.readUInt32BE(at + 2), at + 6];
      else throw new ModuleError('key data uses partial packet lengths, which keys never do');
    } else {
      tag = (header >> 2) & 0x0f;
      const size = [1, 2, 4][header & 3];
      if (size === undefined) throw new ModuleError('key data has a packet of indeterminate length');
      length = size === 1 ? packets[at + 1]! : size === 2 ? packets.readUInt16BE(at + 1) : packets.readUInt32BE(at + 1);
      start = at + 1 + size;
    }
    if (start + length > packets.length) throw new ModuleError('key data is truncated');
    if ((tag === 6 || tag === 14) && packets[start] === 4) {
      const prefix = Buffer.from([0x99, length >> 8, length & 0xff]);
      found.push(createHash('sha1').update(prefix).update(packets.subarray(start, start + length)).digest('hex').toUpperCase());
    }
    at = start + length;
  }
  return found;
}

/** A key id as given (`0x...`, spaces, any case) in the form fingerprints are compared with. */
export function normalizeKeyId(id: string): string {
  const clean = id.replace(/\s+/g, '').replace(/^0x/i, '').toUpperCase();
  if (!/^[0-9A-F]{8,40}$/.test(clean)) throw new ModuleError(`Invalid key_id: ${id}`);
  return clean;
}

/** Key bytes from a URL, downloaded by the controller (the tree needs no curl, wget or gpg). */
export async function downloadKey(url: string, validateCerts: boolean): Promise<Buffer> {
  let response;
  try {
    response = await download({ url, timeout: 10, validateCerts });
  } catch (error) {
    throw new ModuleError(`Failed to download key at ${url}: ${(error as Error).message}`);
  }
  try {
    if (response.status !== 200 || !response.file) throw new ModuleError(`Failed to download key at ${url}: ${response.message}`);
    return await readFile(response.file);
  } finally {
    await response.remove();
  }
}

/** A file of the target, whole. */
export async function readTargetFile(target: Target, path: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  try {
    await target.fetch(path, sink);
  } catch (error) {
    throw new ModuleError(`could not read ${path} on the target: ${(error as Error).message}`);
  }
  return Buffer.concat(chunks);
}
