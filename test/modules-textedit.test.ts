import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { blockinfileModule } from '../modules/blockinfile.js';
import { replaceModule } from '../modules/replace.js';
import { moduleFailure, runModule, withTempDir } from './support/moduleRun.js';

const B = '# BEGIN ANSIBLE MANAGED BLOCK\n';
const E = '# END ANSIBLE MANAGED BLOCK\n';

test('blockinfile inserts a block, then reports changed=false on the second run', () =>
  withTempDir(async (dir) => {
    const path = join(dir, 'f');
    await writeFile(path, 'a\n');
    const first = await runModule(blockinfileModule, { path, block: 'x=1\ny=2' });
    assert.equal(first.msg, 'Block inserted');
    assert.equal(await readFile(path, 'utf8'), `a\n${B}x=1\ny=2\n${E}`);
    const again = await runModule(blockinfileModule, { path, block: 'x=1\ny=2' });
    assert.deepEqual([again.changed, again.msg, again.roundTrips], [false, '', 1]);
  }));

test('blockinfile removes the block with state=absent and says so', () =>
  withTempDir(async (dir) => {
    const path = join(dir, 'f');
    await writeFile(path, `a\n${B}x\n${E}b\n`);
    const result = await runModule(blockinfileModule, { path, state: 'absent' });
    assert.deepEqual([result.changed, result.msg], [true, 'Block removed']);
    assert.equal(await readFile(path, 'utf8'), 'a\nb\n');
  }));

test('blockinfile creates a missing file (and its folder) with create=yes, mode applied', () =>
  withTempDir(async (dir) => {
    const path = join(dir, 'new', 'f');
    const result = await runModule(blockinfileModule, { path, block: 'k', create: true, mode: '0600' });
    assert.equal(result.msg, 'File created and ownership, perms or SE linux context changed');
    assert.equal(await readFile(path, 'utf8'), `${B}k\n${E}`);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
  }));

test('blockinfile fails on a missing file without create, as Ansible (rc 257)', () =>
  withTempDir(async (dir) => {
    const result = await runModule(blockinfileModule, { path: join(dir, 'nope'), block: 'k' });
    assert.deepEqual([result.failed, result.rc, result.msg], [true, 257, `Path ${join(dir, 'nope')} does not exist !`]);
  }));

test('blockinfile in check mode reports the change, shows a diff and leaves the file alone', () =>
  withTempDir(async (dir) => {
    const path = join(dir, 'f');
    await writeFile(path, 'a\n');
    const result = await runModule(blockinfileModule, { path, block: 'k' }, { check: true, diff: true });
    assert.equal(result.changed, true);
    assert.equal((result.diff as { after: string }[])[0]!.after, `a\n${B}k\n${E}`);
    assert.equal(await readFile(path, 'utf8'), 'a\n');
  }));

test('blockinfile edits the file a symlink points to and keeps the link', () =>
  withTempDir(async (dir) => {
    await writeFile(join(dir, 'real'), 'a\n');
    await symlink('real', join(dir, 'link'));
    await runModule(blockinfileModule, { path: join(dir, 'link'), block: 'k' });
    assert.equal(await readFile(join(dir, 'real'), 'utf8'), `a\n${B}k\n${E}`);
    assert.equal(await readlink(join(dir, 'link')), 'real');
  }));

test('blockinfile with backup keeps the old content beside the file', () =>
  withTempDir(async (dir) => {
    const path = join(dir, 'f');
    await writeFile(path, 'old\n');
    const result = await runModule(blockinfileModule, { path, block: 'k', backup: true });
    assert.equal(await readFile(String(result['backup_file']), 'utf8'), 'old\n');
  }));

test('blockinfile refuses content that fails validate and leaves the file unchanged', () =>
  withTempDir(async (dir) => {
    const path = join(dir, 'f');
    await writeFile(path, 'a\n');
    const result = await runModule(blockinfileModule, { path, block: 'k', validate: 'grep -q nothing-like-this %s' });
    assert.equal(result.failed, true);
    assert.match(String(result.msg), /^failed to validate/);
    assert.equal(await readFile(path, 'utf8'), 'a\n');
    assert.deepEqual(await readdir(dir), ['f'], 'no temporary file left');
  }));

test('replace rewrites every match, reports the count, then is idempotent', () =>
  withTempDir(async (dir) => {
    const path = join(dir, 'f');
    await writeFile(path, 'PermitRootLogin yes\n#PermitRootLogin yes\n');
    const args = { path, regexp: '^#?PermitRootLogin \\w+$', replace: 'PermitRootLogin no' };
    const first = await runModule(replaceModule, args);
    assert.deepEqual([first.changed, first.msg, first.rc], [true, '2 replacements made', 0]);
    assert.equal(await readFile(path, 'utf8'), 'PermitRootLogin no\nPermitRootLogin no\n');
    const again = await runModule(replaceModule, args);
    assert.deepEqual([again.changed, again.msg], [false, '']);
  }));

test('replace with after/before changes only the section and shows a diff', () =>
  withTempDir(async (dir) => {
    const path = join(dir, 'f');
    await writeFile(path, 'x\n[s]\nx\n[t]\nx\n');
    const result = await runModule(replaceModule, { path, regexp: '^x$', replace: 'y', after: '\\[s\\]', before: '\\[t\\]' }, { diff: true });
    assert.equal(await readFile(path, 'utf8'), 'x\n[s]\ny\n[t]\nx\n');
    assert.equal((result.diff as { after: string }).after, 'x\n[s]\ny\n[t]\nx\n');
  }));

test('replace in check mode leaves the file unchanged', () =>
  withTempDir(async (dir) => {
    const path = join(dir, 'f');
    await writeFile(path, 'a\n');
    const result = await runModule(replaceModule, { path, regexp: 'a', replace: 'b' }, { check: true });
    assert.equal(result.changed, true);
    assert.equal(await readFile(path, 'utf8'), 'a\n');
  }));

test('replace fails on a missing path with Ansible\'s message', async () => {
  assert.equal(await moduleFailure(replaceModule, { path: '/nonexistent/f', regexp: 'a' }), 'Path /nonexistent/f does not exist !');
});

test('replace changes only the mode when the text already matches', () =>
  withTempDir(async (dir) => {
    const path = join(dir, 'f');
    await writeFile(path, 'b\n', { mode: 0o644 });
    const result = await runModule(replaceModule, { path, regexp: 'a', replace: 'b', mode: '0640' });
    assert.deepEqual([result.changed, result.msg], [true, 'ownership, perms or SE linux context changed']);
    assert.equal((await stat(path)).mode & 0o777, 0o640);
  }));
