import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { contentMatches, findModule, nameFilter, parseAmount } from '../modules/find.js';
import { runModule, withTempDir } from './support/moduleRun.js';
import { programsRun } from './support/programsRun.js';

type Found = Record<string, unknown>;
const paths = (result: Record<string, unknown>) => (result.files as Found[]).map((file) => file['path']);

/** a.txt, l -> a.txt, .hid/h.txt, sub/b.log, sub/deep/c.txt ("foo bar"). */
async function sampleTree(dir: string): Promise<string> {
  const root = join(dir, 'd');
  await mkdir(join(root, 'sub', 'deep'), { recursive: true });
  await mkdir(join(root, '.hid'));
  await writeFile(join(root, 'a.txt'), 'hello\n');
  await symlink('a.txt', join(root, 'l'));
  await writeFile(join(root, '.hid', 'h.txt'), 'z\n');
  await writeFile(join(root, 'sub', 'b.log'), 'x\n');
  await writeFile(join(root, 'sub', 'deep', 'c.txt'), 'foo bar\n');
  return root;
}

test('find walks folders in one command, files before folders, skipping hidden names and paths that are not folders', () =>
  withTempDir(async (dir) => {
    const root = await sampleTree(dir);
    const result = await runModule(findModule, { paths: `${root},${dir}/missing`, recurse: true, file_type: 'any' });
    assert.equal(result.roundTrips, 1);
    assert.deepEqual(new Set(paths(result).slice(0, 2)), new Set([`${root}/a.txt`, `${root}/l`]));
    assert.equal(paths(result)[2], `${root}/sub`);
    // .hid and sub come in the folder's own order (readdir's), each walked in turn.
    const below = paths(result).slice(3).filter((path) => path !== `${root}/.hid/h.txt`);
    assert.deepEqual(below, [`${root}/sub/b.log`, `${root}/sub/deep`, `${root}/sub/deep/c.txt`]);
    assert.equal(result['examined'], 8);
    assert.equal(result['matched'], 7);
    assert.deepEqual(result['skipped_paths'], { [`${dir}/missing`]: `'${dir}/missing' is not a directory` });
    const link = (result.files as Found[]).find((file) => file['path'] === `${root}/l`)!;
    assert.equal(link['islnk'], true);
    assert.equal(link['mode'], '0777');
    assert.equal(link['pw_name'], 'root');
  }));

test('find depth, hidden, patterns and excludes select as Ansible does', () =>
  withTempDir(async (dir) => {
    const root = await sampleTree(dir);
    const shallow = await runModule(findModule, { paths: [root], recurse: true, depth: 2, hidden: true });
    assert.deepEqual(new Set(paths(shallow)), new Set([`${root}/a.txt`, `${root}/.hid/h.txt`, `${root}/sub/b.log`]));
    const txt = await runModule(findModule, { paths: root, recurse: true, patterns: '*.txt', excludes: 'c*' });
    // Only base names count as hidden: .hid's files are found.
    assert.deepEqual(new Set(paths(txt)), new Set([`${root}/a.txt`, `${root}/.hid/h.txt`]));
    const regex = await runModule(findModule, { paths: root, recurse: true, patterns: ['^[bc]\\.'], use_regex: true });
    assert.deepEqual(paths(regex), [`${root}/sub/b.log`, `${root}/sub/deep/c.txt`]);
    const folders = await runModule(findModule, { paths: root, recurse: true, file_type: 'directory', excludes: 'deep' });
    assert.deepEqual(paths(folders), [`${root}/sub`]);
  }));

test('find contains matches at a line start (or anywhere with read_whole_file) and adds sha1 checksums', () =>
  withTempDir(async (dir) => {
    const root = await sampleTree(dir);
    const result = await runModule(findModule, { paths: root, recurse: true, contains: 'foo', get_checksum: true });
    assert.deepEqual(paths(result), [`${root}/sub/deep/c.txt`]);
    assert.equal((result.files as Found[])[0]!['checksum'], 'd53a205a336e07cf9eac45471b3870f9489288ec');
    assert.equal(result.roundTrips, 2);
    assert.deepEqual(paths(await runModule(findModule, { paths: root, recurse: true, contains: 'bar' })), []);
    assert.deepEqual(paths(await runModule(findModule, { paths: root, recurse: true, contains: 'bar', read_whole_file: true })), [`${root}/sub/deep/c.txt`]);
  }));

test('find age and size keep old or big files, negative values young or small ones', () =>
  withTempDir(async (dir) => {
    const root = await sampleTree(dir);
    const old = new Date(Date.now() - 3 * 86400 * 1000);
    await utimes(join(root, 'a.txt'), old, old);
    assert.deepEqual(paths(await runModule(findModule, { paths: root, age: '2d' })), [`${root}/a.txt`]);
    assert.deepEqual(paths(await runModule(findModule, { paths: root, age: '-2d' })), []);
    const small = await runModule(findModule, { paths: root, recurse: true, size: '-3' });
    assert.deepEqual(new Set(paths(small)), new Set([`${root}/.hid/h.txt`, `${root}/sub/b.log`]));
  }));

test('find parses ages, sizes and name filters as Ansible', () => {
  assert.equal(parseAmount('-2d', { s: 1, d: 86400 }, 'age'), -172800);
  assert.equal(parseAmount('10', { b: 1, k: 1024 }, 'size'), 10);
  assert.equal(parseAmount('1K', { b: 1, k: 1024 }, 'size'), 1024);
  assert.throws(() => parseAmount('1 day', { d: 1 }, 'age'), /failed to process age/);
  assert.equal(nameFilter([], [], false)('.x'), true);
  assert.equal(nameFilter(['a.*'], [], true)('ba.c'), false);
  assert.equal(contentMatches('x\nfoo\n', 'fo+', false), true);
  assert.equal(contentMatches('x foo\n', 'fo+', false), false);
  assert.equal(contentMatches('a KO\nb\n', 'KO$', true), false);
  assert.equal(contentMatches('a KO x\n', '.*KO$', false), false);
  assert.equal(contentMatches('b KO\n', 'b KO$', false), true);
});

test('find runs its checksum script in the command\'s own shell: no second sh is started', () =>
  withTempDir(async (dir) => {
    const root = await sampleTree(dir);
    let result: Record<string, unknown> = {};
    const programs = await programsRun(dir, async () => {
      result = await runModule(findModule, { paths: root, recurse: true, get_checksum: true, patterns: 'c.txt' });
    }, ['sh', 'sha1sum']);
    assert.deepEqual(programs, ['sha1sum']);
    assert.deepEqual((result.files as Found[]).map((file) => file['checksum']), ['d53a205a336e07cf9eac45471b3870f9489288ec']);
  }));
