import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, chown, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { statModule } from '../modules/stat.js';
import { fileTypeGuess, statAttributes } from '../modules/statExtras.js';
import type { PathState } from '../modules/remoteFile.js';
import { runModule, withTempDir } from './support/moduleRun.js';

type Stat = Record<string, unknown>;

test('stat reports a regular file in one round trip', () =>
  withTempDir(async (dir) => {
    const path = join(dir, "a 'b' $(c) é");
    await writeFile(path, 'hello\n');
    await chown(path, 1234, 0);
    await chmod(path, 0o4750);
    const result = await runModule(statModule, { path });
    const s = result.stat as Stat;
    assert.equal(result.changed, false);
    assert.equal(result.roundTrips, 1);
    assert.equal(s['exists'], true);
    assert.equal(s['mode'], '04750');
    assert.equal(s['isreg'], true);
    assert.equal(s['isdir'], false);
    assert.equal(s['size'], 6);
    assert.equal(s['uid'], 1234);
    assert.equal(s['gr_name'], 'root');
    assert.equal(s['isuid'], true);
    assert.equal(s['xoth'], false);
    assert.equal(s['checksum'], 'f572d396fae9206628714fb2ce00f72e94f2258f');
    assert.equal(s['readable'], true);
    assert.equal(typeof s['mtime'], 'number');
  }));

test('stat checksum_algorithm sha256 and get_checksum=no', () =>
  withTempDir(async (dir) => {
    const path = join(dir, 'f');
    await writeFile(path, 'hello\n');
    const sha256 = await runModule(statModule, { path, checksum_algorithm: 'sha256' });
    assert.equal((sha256.stat as Stat)['checksum'], '5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03');
    const none = await runModule(statModule, { path, get_checksum: false });
    assert.equal((none.stat as Stat)['checksum'], undefined);
  }));

test('stat of a missing path says exists=false', () =>
  withTempDir(async (dir) => {
    const result = await runModule(statModule, { path: join(dir, '-missing') });
    assert.deepEqual(result.stat, { exists: false });
  }));

test('stat of a symlink: islnk with targets, or the target with follow', () =>
  withTempDir(async (dir) => {
    await mkdir(join(dir, 'real'));
    await symlink('real', join(dir, 'link'));
    const link = (await runModule(statModule, { path: join(dir, 'link') })).stat as Stat;
    assert.equal(link['islnk'], true);
    assert.equal(link['lnk_target'], 'real');
    assert.equal(link['lnk_source'], join(dir, 'real'));
    const followed = (await runModule(statModule, { path: join(dir, 'link'), follow: true })).stat as Stat;
    assert.equal(followed['islnk'], false);
    assert.equal(followed['isdir'], true);
  }));

test('stat returns the keys Ansible adds: blocks, device_type, md5, mimetype/charset, lsattr attributes', () =>
  withTempDir(async (dir) => {
    const path = join(dir, 'f');
    await writeFile(path, 'héllo\n');
    const s = (await runModule(statModule, { path, get_md5: true, checksum_algorithm: 'sha512' })).stat as Stat;
    assert.equal(s['md5'], '1082e4bdaee22cfa4057c4f6a5e4c3da');
    assert.equal(String(s['checksum']).length, 128);
    assert.equal(s['device_type'], 0);
    assert.equal(typeof s['blocks'], 'number');
    assert.equal(typeof s['block_size'], 'number');
    assert.ok(['text/plain', 'unknown'].includes(String(s['mimetype'])));
    assert.ok(Array.isArray(s['attributes']));
    const dev = (await runModule(statModule, { path: '/dev/null', get_mime: false, get_attributes: false })).stat as Stat;
    assert.deepEqual([dev['ischr'], dev['device_type'], dev['mimetype'], dev['attributes']], [true, 259, undefined, undefined]);
  }));

test('stat guesses the mime type without file(1), and reads lsattr -vd output as Ansible', () => {
  const base = { path: '/x', exists: true, mode: 0o644, uid: 0, gid: 0, owner: 'root', group: 'root', atime: 0, mtime: 0, ctime: 0, nlink: 1, inode: 1, dev: 1, blocks: 0, blockSize: 4096, deviceMajor: 0, deviceMinor: 0 };
  const rows: [PathState['type'], number, string, string][] = [
    ['directory', 4096, '', 'inode/directory binary'],
    ['file', 0, '', 'inode/x-empty binary'],
    ['file', 6, 'hello\n', 'text/plain us-ascii'],
    ['file', 7, 'héllo\n', 'text/plain utf-8'],
    ['file', 3, 'a\0b', 'application/octet-stream binary'],
  ];
  for (const [type, size, sample, expected] of rows) {
    const guess = fileTypeGuess({ ...base, type, size }, Buffer.from(sample));
    assert.equal(`${guess.mimetype} ${guess.charset}`, expected);
  }
  assert.deepEqual(statAttributes('3442068503 --------------e------- /x'), { version: '3442068503', attr_flags: 'e', attributes: ['extents'] });
  assert.deepEqual(statAttributes(''), { version: null, attributes: [], attr_flags: '' });
});
