import { execFile, spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { createGunzip } from 'node:zlib';

/**
 * What unarchive needs to know about an archive on the controller: its format (from its first bytes, not
 * its name), its entries (listed with the controller's GNU tar or unzip), and a stream of it as a plain tar
 * (decompressed on the controller, so the target only needs `tar`).
 */

export type ArchiveFormat = 'tar' | 'gzip' | 'bzip2' | 'xz' | 'zstd' | 'zip';

/** ansible-core's handler class for each format (the `handler` key of the result). */
export const HANDLER_NAMES: Record<ArchiveFormat, string> = {
  tar: 'TarArchive',
  gzip: 'TgzArchive',
  bzip2: 'TarBzipArchive',
  xz: 'TarXzArchive',
  zstd: 'TarZstdArchive',
  zip: 'ZipArchive',
};

export type EntryType = 'file' | 'directory' | 'link' | 'other';

export interface ArchiveEntry {
  /** The member name as listed (`./a`, `dir/`). */
  name: string;
  type: EntryType;
  size: number;
  /** Seconds since the epoch (tar only: zip times are local times without a zone). */
  mtime?: number;
}

/** The format from the magic bytes of the file's start (the first 512 bytes hold a tar header's `ustar`). */
export function formatFromMagic(head: Buffer): ArchiveFormat | undefined {
  const starts = (...bytes: number[]) => bytes.every((byte, i) => head[i] === byte);
  if (starts(0x1f, 0x8b)) return 'gzip';
  if (starts(0x42, 0x5a, 0x68)) return 'bzip2';
  if (starts(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00)) return 'xz';
  if (starts(0x28, 0xb5, 0x2f, 0xfd)) return 'zstd';
  if (starts(0x50, 0x4b, 0x03, 0x04) || starts(0x50, 0x4b, 0x05, 0x06)) return 'zip';
  if (head.subarray(257, 262).toString('latin1') === 'ustar') return 'tar';
  return undefined;
}

/** The format of an archive named on the target (remote_src), from its name. */
export function formatFromName(name: string): ArchiveFormat {
  const lower = name.toLowerCase();
  if (lower.endsWith('.zip')) return 'zip';
  if (/\.(tgz|tar\.gz|gz)$/.test(lower)) return 'gzip';
  if (/\.(tbz2?|tar\.bz2|bz2)$/.test(lower)) return 'bzip2';
  if (/\.(txz|tar\.xz|xz)$/.test(lower)) return 'xz';
  if (/\.(tzst|tar\.zst|zst)$/.test(lower)) return 'zstd';
  return 'tar';
}

export async function detectFormat(path: string): Promise<ArchiveFormat | undefined> {
  const file = await open(path, 'r');
  try {
    const head = Buffer.alloc(512);
    const { bytesRead } = await file.read(head, 0, 512, 0);
    return formatFromMagic(head.subarray(0, bytesRead));
  } finally {
    await file.close();
  }
}

const run = promisify(execFile);

/** Every member of the archive, listed on the controller. */
export async function listArchive(path: string, format: ArchiveFormat): Promise<ArchiveEntry[]> {
  const options = { maxBuffer: 512 * 1024 * 1024, env: { ...process.env, TZ: 'UTC', LC_ALL: 'C' } };
  if (format === 'zip') return parseZipListing((await run('unzip', ['-Z', '-T', path], options)).stdout);
  const listing = await run('tar', ['-t', '-v', '--numeric-owner', '--full-time', '--quoting-style=escape', '-f', path], options);
  return parseTarListing(listing.stdout);
}

const TAR_LINE = /^(\S)\S*\s+\S+\s+(\d+|\d+,\s*\d+)\s+(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\s(.*)$/;

/** `tar -tv --full-time --quoting-style=escape` output (in UTC) as entries. */
export function parseTarListing(text: string): ArchiveEntry[] {
  const entries: ArchiveEntry[] = [];
  for (const line of text.split('\n')) {
    const match = TAR_LINE.exec(line);
    if (!match) continue;
    const [, kind, size, time, rest] = match as unknown as [string, string, string, string, string];
    let name = rest;
    if (kind === 'l') name = rest.slice(0, rest.indexOf(' -> ') >= 0 ? rest.indexOf(' -> ') : undefined);
    if (kind === 'h') name = rest.slice(0, rest.indexOf(' link to ') >= 0 ? rest.indexOf(' link to ') : undefined);
    const type: EntryType = kind === 'd' ? 'directory' : kind === 'l' ? 'link' : kind === '-' || kind === 'h' ? 'file' : 'other';
    entries.push({ name: unescapeTarName(name), type, size: /,/.test(size) ? 0 : Number(size), mtime: Date.parse(`${time.replace(' ', 'T')}Z`) / 1000 });
  }
  return entries;
}

/** GNU tar's escape quoting: `\\`, `\n`, `\t` and octal `\ooo` bytes. */
function unescapeTarName(name: string): string {
  if (!name.includes('\\')) return name;
  const bytes: number[] = [];
  for (let i = 0; i < name.length; i++) {
    const ch = name[i]!;
    if (ch !== '\\' || i + 1 >= name.length) {
      bytes.push(...Buffer.from(ch));
      continue;
    }
    const octal = /^[0-7]{3}/.exec(name.slice(i + 1));
    if (octal) {
      bytes.push(parseInt(octal[0], 8));
      i += 3;
      continue;
    }
    const next = name[++i]!;
    bytes.push(...Buffer.from(({ n: '\n', t: '\t', r: '\r', '\\': '\\' } as Record<string, string>)[next] ?? next));
  }
  return Buffer.from(bytes).toString();
}

const ZIP_LINE = /^(\S)\S*\s+\S+\s+\S+\s+(\d+)\s+\S+\s+\S+\s+\d{8}\.\d{6}\s(.*)$/;

/** `unzip -Z -T` (zipinfo) output as entries. */
export function parseZipListing(text: string): ArchiveEntry[] {
  const entries: ArchiveEntry[] = [];
  for (const line of text.split('\n')) {
    const match = ZIP_LINE.exec(line);
    if (!match) continue;
    const [, kind, size, name] = match as unknown as [string, string, string, string];
    const type: EntryType = kind === 'd' || name.endsWith('/') ? 'directory' : kind === 'l' ? 'link' : 'file';
    entries.push({ name, type, size: Number(size) });
  }
  return entries;
}

/** The archive as an uncompressed tar stream, decompressed on the controller. */
export function plainTarStream(path: string, format: Exclude<ArchiveFormat, 'zip'>): Readable {
  if (format === 'tar') return createReadStream(path);
  if (format === 'gzip') return createReadStream(path).pipe(createGunzip());
  const tool = { bzip2: 'bzip2', xz: 'xz', zstd: 'zstd' }[format];
  const child = spawn(tool, ['-d', '-c', '--', path], { stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr: Buffer[] = [];
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  child.on('error', (error) => child.stdout.destroy(new Error(`cannot decompress ${path} on the controller: ${error.message} (install ${tool})`)));
  child.on('close', (code) => {
    if (code !== 0) child.stdout.destroy(new Error(`${tool} could not decompress ${path}: ${Buffer.concat(stderr).toString().trim()}`));
  });
  return child.stdout;
}
