import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, chown, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { statModule } from '../modules/stat.js';
import { runModule, withTempDir } from './support/moduleRun.js';

type Stat = Record<string, unknown>;

test('stat reports a regular file in one round trip', () =>
  withTempDir(async (dir) => {
    const path = join(dir, "a 'b' $c é");
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
