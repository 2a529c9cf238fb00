import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fetchModule } from '../modules/fetch.js';
import { runModule, withTempDir } from './support/moduleRun.js';

test('fetch saves to dest/<host>/<src path>, then reports changed=false in one round trip', () =>
  withTempDir(async (dir) => {
    const src = join(dir, 'remote', "a 'b' $c.txt");
    await mkdir(join(dir, 'remote'));
    await writeFile(src, 'hello\n');
    const first = await runModule(fetchModule, { src, dest: join(dir, 'backup') });
    const saved = join(dir, 'backup', 'localhost', src);
    assert.equal(first.changed, true);
    assert.equal(first.dest, saved);
    assert.equal(await readFile(saved, 'utf8'), 'hello\n');
    assert.equal(first.checksum, 'f572d396fae9206628714fb2ce00f72e94f2258f');
    assert.equal(first.roundTrips, 2);
    const second = await runModule(fetchModule, { src, dest: join(dir, 'backup') });
    assert.equal(second.changed, false);
    assert.equal(second.roundTrips, 1);
    assert.deepEqual(await readdir(join(dir, 'backup', 'localhost', dir, 'remote')), ["a 'b' $c.txt"]);
  }));

test('fetch flat writes dest itself, or into dest/ when it ends with a slash', () =>
  withTempDir(async (dir) => {
    const src = join(dir, 'os-release');
    await writeFile(src, 'ID=debian\n');
    const file = await runModule(fetchModule, { src, dest: join(dir, 'copy'), flat: true });
    assert.equal(await readFile(join(dir, 'copy'), 'utf8'), 'ID=debian\n');
    assert.equal(file.changed, true);
    const folder = await runModule(fetchModule, { src, dest: `${join(dir, 'out')}/`, flat: true });
    assert.equal(folder.dest, join(dir, 'out', 'os-release'));
    await writeFile(src, 'ID=changed\n');
    const updated = await runModule(fetchModule, { src, dest: join(dir, 'copy'), flat: true });
    assert.equal(updated.changed, true);
    assert.equal(await readFile(join(dir, 'copy'), 'utf8'), 'ID=changed\n');
  }));

test('fetch of a missing file fails, or is ignored with fail_on_missing=no', () =>
  withTempDir(async (dir) => {
    const src = join(dir, 'missing');
    const failed = await runModule(fetchModule, { src, dest: dir });
    assert.equal(failed.failed, true);
    assert.equal(failed.msg, 'the remote file does not exist');
    const ignored = await runModule(fetchModule, { src, dest: dir, fail_on_missing: false });
    assert.equal(ignored.failed, undefined);
    assert.equal(ignored.msg, 'the remote file does not exist, not transferring, ignored');
    const folder = await runModule(fetchModule, { src: dir, dest: dir });
    assert.equal(folder.msg, 'remote file is a directory, fetch cannot work on directories');
  }));

test('fetch in check mode writes nothing', () =>
  withTempDir(async (dir) => {
    await writeFile(join(dir, 'f'), 'x');
    const result = await runModule(fetchModule, { src: join(dir, 'f'), dest: join(dir, 'out'), flat: true }, { check: true });
    assert.equal(result.changed, true);
    assert.deepEqual(await readdir(dir), ['f']);
  }));
