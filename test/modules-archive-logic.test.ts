import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatFromMagic, formatFromName, parseTarListing, parseZipListing } from '../modules/archiveListing.js';
import { fnmatch } from '../src/core/fnmatch.js';
import { checksumFromList } from '../modules/get_url.js';

const header = (bytes: number[]) => Buffer.from(bytes);
const tarHeader = Buffer.alloc(512);
tarHeader.write('ustar', 257, 'latin1');

/** [format, first bytes] */
const magics: [string | undefined, Buffer][] = [
  ['gzip', header([0x1f, 0x8b, 8])],
  ['bzip2', Buffer.from('BZh91AY')],
  ['xz', header([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])],
  ['zstd', header([0x28, 0xb5, 0x2f, 0xfd])],
  ['zip', header([0x50, 0x4b, 0x03, 0x04])],
  ['tar', tarHeader],
  [undefined, Buffer.from('plain text')],
];
for (const [format, bytes] of magics) {
  test(`archive format from magic bytes: ${format ?? 'unknown'}`, () => assert.equal(formatFromMagic(bytes), format));
}

/** [name, format] */
const names: [string, string][] = [
  ['a.zip', 'zip'], ['a.tar.gz', 'gzip'], ['a.tgz', 'gzip'], ['a.tar.bz2', 'bzip2'], ['a.tar.xz', 'xz'], ['a.tar.zst', 'zstd'], ['a.tar', 'tar'],
];
for (const [name, format] of names) {
  test(`archive format of a target file named ${name} is ${format}`, () => assert.equal(formatFromName(name), format));
}

test('tar listing gives type, size, UTC mtime and names with escapes and link targets removed', () => {
  const listing = [
    'drwxr-xr-x 0/0               0 2024-01-02 03:04:05 ./',
    '-rw-r--r-- 0/0              12 2024-01-02 03:04:05 ./a b.txt',
    'lrwxrwxrwx 0/0               0 2024-01-02 03:04:05 ./l -> a b.txt',
    'hrw-r--r-- 0/0               0 2024-01-02 03:04:05 ./h link to ./a b.txt',
    '-rw-r--r-- 0/0               1 2024-01-02 03:04:05 ./new\\nline',
    'crw-r--r-- 0/0             1,3 2024-01-02 03:04:05 ./dev',
  ].join('\n');
  const mtime = Date.UTC(2024, 0, 2, 3, 4, 5) / 1000;
  assert.deepEqual(parseTarListing(listing), [
    { name: './', type: 'directory', size: 0, mtime },
    { name: './a b.txt', type: 'file', size: 12, mtime },
    { name: './l', type: 'link', size: 0, mtime },
    { name: './h', type: 'file', size: 0, mtime },
    { name: './new\nline', type: 'file', size: 1, mtime },
    { name: './dev', type: 'other', size: 0, mtime },
  ]);
});

test('zip listing (unzip -Z -T) gives names, types and sizes, skipping header and trailer', () => {
  const listing = [
    'Archive:  t.zip',
    'Zip file size: 451 bytes, number of entries: 2',
    '-rw-r--r--  3.0 unx        3 tx stor 20261126.080053 x y.txt',
    'drwxr-xr-x  3.0 unx        0 bx stor 20261126.080053 sub/',
    '2 files, 3 bytes uncompressed, 3 bytes compressed:  0.0%',
  ].join('\n');
  assert.deepEqual(parseZipListing(listing), [
    { name: 'x y.txt', type: 'file', size: 3 },
    { name: 'sub/', type: 'directory', size: 0 },
  ]);
});

/** [pattern, name, matches] */
const globs: [string, string, boolean][] = [['*.txt', 'dir/a.txt', true], ['a?c', 'abc', true], ['a.c', 'abc', false], ['dir', 'dir/x', false], ['file[1', 'file[1', true]];
for (const [pattern, name, matches] of globs) {
  test(`include/exclude pattern ${pattern} ${matches ? 'matches' : 'does not match'} ${name}`, () => assert.equal(fnmatch(name, pattern), matches));
}

/** [description, checksum file lines, file name, digest] */
const lists: [string, string[], string, string | undefined][] = [
  ['a lone digest', ['abc123', ''], 'f.tgz', 'abc123'],
  ['the line naming the file', ['111  other.tgz', '222  f.tgz'], 'f.tgz', '222'],
  ['binary-mode lines (*name)', ['333 *f.tgz'], 'f.tgz', '333'],
  ['names with a ./ prefix', ['444  ./f.tgz', '555  x'], 'f.tgz', '444'],
  ['nothing when the file is not listed', ['111  other.tgz', '222  x'], 'f.tgz', undefined],
];
for (const [description, lines, filename, digest] of lists) {
  test(`get_url checksum list: ${description}`, () => assert.equal(checksumFromList(lines, filename), digest));
}
