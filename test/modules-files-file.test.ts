import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, link, lstat, mkdir, readlink, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileModule } from '../modules/file.js';
import { statModule } from '../modules/stat.js';
import { moduleFailure, runModule, withTempDir } from './support/moduleRun.js';

const modeOf = async (path: string) => (await stat(path)).mode & 0o7777;
const exists = (path: string) => lstat(path).then(() => true, () => false);

test('file state=directory creates every level with the mode, then is idempotent', () =>
  withTempDir(async (dir) => {
    const path = join(dir, 'a b', "c'$d", 'é');
    const first = await runModule(fileModule, { path, state: 'directory', mode: '0750', owner: '1234' });
    assert.equal(first.changed, true);
    // one of them expands the `$d` on the target (unset, so it stays), as Ansible's path arguments are
    assert.equal(first.roundTrips, 3);
    assert.equal(first.mode, '0750');
    assert.equal(first.state, 'directory');
    assert.equal(await modeOf(join(dir, 'a b')), 0o750);
    assert.equal((await stat(join(dir, 'a b', "c'$d"))).uid, 1234);
    const second = await runModule(fileModule, { path, state: 'directory', mode: '0750', owner: '1234' });
    assert.equal(second.changed, false);
    assert.equal(second.roundTrips, 2);
  }));

test('file creates a missing folder or touched file in one round trip, and reads first when the path is there', () =>
  withTempDir(async (dir) => {
    const folder = join(dir, 'made', 'deep');
    const made = await runModule(fileModule, { path: folder, state: 'directory', mode: '0750' });
    assert.equal(made.roundTrips, 1);
    assert.deepEqual(
      { changed: made.changed, path: made.path, mode: made.mode, state: made.state, diff: made.diff },
      { changed: true, path: folder, mode: '0750', state: 'directory', diff: { before: { path: folder, state: 'absent' }, after: { path: folder, state: 'directory' } } },
    );
    assert.equal(await modeOf(join(dir, 'made')), 0o750);
    const again = await runModule(fileModule, { path: folder, state: 'directory', mode: '0750' });
    assert.deepEqual([again.changed, again.roundTrips], [false, 1]);
    const file = join(dir, 'made', 'touched');
    const touched = await runModule(fileModule, { path: file, state: 'touch', mode: '0640' });
    assert.deepEqual([touched.changed, touched.roundTrips, touched.dest, touched.mode, touched.state], [true, 1, file, '0640', 'file']);
    const retouched = await runModule(fileModule, { path: file, state: 'touch', mode: '0600' });
    assert.deepEqual([retouched.changed, retouched.roundTrips, retouched.mode], [true, 2, '0600']);
    // A dangling link is not a missing path: it is read first, and stays a link.
    await symlink(join(dir, 'made', 'target'), join(dir, 'link'));
    const through = await runModule(fileModule, { path: join(dir, 'link'), state: 'touch' });
    assert.deepEqual([through.changed, through.roundTrips], [true, 2]);
    assert.equal((await lstat(join(dir, 'link'))).isSymbolicLink(), true);
  }));

test('file sets an octal mode on a file that is there in one round trip; a link or symbolic mode is read first', () =>
  withTempDir(async (dir) => {
    const path = join(dir, 'conf');
    await writeFile(path, 'x');
    await chmod(path, 0o644);
    const restricted = await runModule(fileModule, { path, mode: '0600' });
    assert.deepEqual([restricted.changed, restricted.roundTrips, restricted.mode, restricted.state], [true, 1, '0600', 'file']);
    assert.deepEqual(restricted.diff, { before: { path, mode: '0644' }, after: { path, mode: '0600' } });
    assert.equal(await modeOf(path), 0o600);
    const same = await runModule(fileModule, { path, mode: 0o600, state: 'file' });
    assert.deepEqual([same.changed, same.roundTrips], [false, 1]);
    await symlink(path, join(dir, 'link'));
    const throughLink = await runModule(fileModule, { path: join(dir, 'link'), mode: '0640' });
    assert.deepEqual([throughLink.changed, throughLink.roundTrips], [true, 2]);
    const symbolic = await runModule(fileModule, { path, mode: 'o+r' });
    assert.deepEqual([symbolic.changed, symbolic.roundTrips, await modeOf(path)], [true, 2, 0o644]);
  }));

test('file applies symbolic modes relative to the current mode', () =>
  withTempDir(async (dir) => {
    const cases: [number, string, number][] = [
      [0o644, 'u+x,g-w', 0o744],
      [0o600, 'a=r', 0o444],
      [0o640, 'u=rwx,g=rx,o=', 0o750],
      [0o644, 'a+X', 0o644],
      [0o744, 'a+X', 0o755],
      [0o755, 'g=u', 0o775],
      [0o644, 'u+s', 0o4644],
    ];
    for (const [start, mode, expected] of cases) {
      const path = join(dir, 'f');
      await writeFile(path, '');
      await chmod(path, start);
      const result = await runModule(fileModule, { path, mode });
      assert.equal(await modeOf(path), expected, `${start.toString(8)} ${mode}`);
      assert.equal(result.changed, start !== expected, `changed for ${mode}`);
    }
  }));

test('file state=file fails on a missing path, as Ansible says', () =>
  withTempDir(async (dir) => {
    const path = join(dir, 'nope');
    assert.equal(await moduleFailure(fileModule, { path, state: 'file' }), `file (${path}) is absent, cannot continue`);
    await mkdir(join(dir, 'd'));
    assert.equal(await moduleFailure(fileModule, { path: join(dir, 'd'), state: 'file' }), `file (${join(dir, 'd')}) is directory, cannot continue`);
    await writeFile(join(dir, 'f'), '');
    assert.equal(await moduleFailure(fileModule, { path: join(dir, 'f'), state: 'directory' }), `${join(dir, 'f')} already exists as a file`);
  }));

test('file state=touch creates the file and always reports changed', () =>
  withTempDir(async (dir) => {
    const path = join(dir, '-touched');
    const first = await runModule(fileModule, { path, state: 'touch', mode: 'u=rw,g=r,o=r' });
    assert.equal(first.changed, true);
    assert.equal(first.dest, path);
    assert.equal(await modeOf(path), 0o644);
    const second = await runModule(fileModule, { path, state: 'touch' });
    assert.equal(second.changed, true);
    const preserved = await runModule(fileModule, { path, state: 'touch', modification_time: 'preserve', access_time: 'preserve' });
    assert.equal(preserved.changed, false);
  }));

test('file modification_time sets a given time once', () =>
  withTempDir(async (dir) => {
    const path = join(dir, 't');
    await writeFile(path, '');
    await utimes(path, 1000, 1000);
    const args = { path, modification_time: '202401021304.05' };
    const first = await runModule(fileModule, args);
    assert.equal(first.changed, true);
    assert.equal((await stat(path)).mtimeMs, new Date(2024, 0, 2, 13, 4, 5).getTime());
    const second = await runModule(fileModule, args);
    assert.equal(second.changed, false);
  }));

test('file state=touch creating a file gives it the wanted times, the same or different ones', () =>
  withTempDir(async (dir) => {
    const same = join(dir, 'same');
    const both = await runModule(fileModule, { path: same, state: 'touch', modification_time: '202401021304.05', access_time: '202401021304.05' });
    assert.equal(both.changed, true);
    const sameStat = await stat(same);
    assert.equal(sameStat.mtimeMs, new Date(2024, 0, 2, 13, 4, 5).getTime());
    assert.equal(sameStat.atimeMs, new Date(2024, 0, 2, 13, 4, 5).getTime());
    const apart = join(dir, 'apart');
    await runModule(fileModule, { path: apart, state: 'touch', modification_time: '202401021304.05', access_time: 'preserve' });
    const apartStat = await stat(apart);
    assert.equal(apartStat.mtimeMs, new Date(2024, 0, 2, 13, 4, 5).getTime());
    assert.ok(apartStat.atimeMs > apartStat.mtimeMs, 'the access time stays the creation time');
  }));

test('file state=directory gives every folder it creates the mode, with or without u+wx in it', () =>
  withTempDir(async (dir) => {
    for (const mode of ['0750', '0555', '1777']) {
      const top = join(dir, `m${mode}`);
      const result = await runModule(fileModule, { path: join(top, 'a/b'), state: 'directory', mode });
      assert.equal(result.changed, true);
      for (const folder of [top, join(top, 'a'), join(top, 'a/b')]) assert.equal(await modeOf(folder), parseInt(mode, 8), `${folder} for ${mode}`);
    }
  }));

test('file state=touch gives a new file its mode, also one with execute bits', () =>
  withTempDir(async (dir) => {
    for (const mode of ['0600', '0755', '0444']) {
      const path = join(dir, `t${mode}`);
      const result = await runModule(fileModule, { path, state: 'touch', mode });
      assert.equal(result.changed, true);
      assert.equal(await modeOf(path), parseInt(mode, 8), mode);
      assert.equal(result.mode, mode);
    }
  }));

test('file state=absent removes a tree, check mode keeps it', () =>
  withTempDir(async (dir) => {
    const path = join(dir, 'tree');
    await mkdir(join(path, 'sub', 'deeper'), { recursive: true });
    await writeFile(join(path, 'sub', 'f'), '');
    await writeFile(join(path, 'top'), '');
    const checked = await runModule(fileModule, { path, state: 'absent' }, { check: true, diff: true });
    assert.equal(checked.changed, true);
    // path_content lists the folder as os.walk does: each folder's subfolders, then its files, then deeper
    const pathContent = { directories: [join(path, 'sub'), join(path, 'sub', 'deeper')], files: [join(path, 'top'), join(path, 'sub', 'f')] };
    assert.deepEqual(checked.diff, { before: { path, state: 'directory', path_content: pathContent }, after: { path, state: 'absent' } });
    assert.equal(checked.state, 'directory', 'in check mode the folder is still there and described');
    assert.equal(await exists(path), true);
    const removed = await runModule(fileModule, { path, state: 'absent' });
    assert.equal(removed.changed, true);
    assert.equal(await exists(path), false);
    const again = await runModule(fileModule, { path, state: 'absent' });
    assert.equal(again.changed, false);
    assert.equal(again.state, 'absent');
  }));

test('file state=link creates, keeps and retargets a symlink, returning the diff even without --diff', () =>
  withTempDir(async (dir) => {
    await writeFile(join(dir, 'one'), '1');
    await writeFile(join(dir, 'two'), '2');
    const path = join(dir, 'current');
    const first = await runModule(fileModule, { path, src: 'one', state: 'link' });
    assert.equal(first.changed, true);
    assert.equal(await readlink(path), 'one');
    assert.equal(first.src, 'one');
    const same = await runModule(fileModule, { path, src: 'one', state: 'link' });
    assert.equal(same.changed, false);
    assert.equal(same.roundTrips, 1);
    const moved = await runModule(fileModule, { path, src: 'two', state: 'link' });
    assert.equal(moved.changed, true);
    // returned without --diff too, as Ansible's file module does
    assert.deepEqual(moved.diff, { before: { path, src: 'one' }, after: { path, src: 'two' } });
    assert.equal(await readlink(path), 'two');
  }));

test('file state=link refuses what Ansible refuses', () =>
  withTempDir(async (dir) => {
    const path = join(dir, 'l');
    assert.equal(await moduleFailure(fileModule, { path, src: 'missing', state: 'link' }), `src file does not exist, use "force=yes" if you really want to create the link: ${join(dir, 'missing')}`);
    await writeFile(path, '');
    await writeFile(join(dir, 'real'), '');
    assert.equal(await moduleFailure(fileModule, { path, src: 'real', state: 'link' }), `refusing to convert from file to symlink for ${path}`);
    const forced = await runModule(fileModule, { path, src: 'real', state: 'link', force: true });
    assert.equal(forced.changed, true);
    assert.equal(await readlink(path), 'real');
    const dangling = await runModule(fileModule, { path: join(dir, 'dangling'), src: '/no/where', state: 'link', force: true });
    assert.equal(dangling.changed, true);
    assert.equal(await readlink(join(dir, 'dangling')), '/no/where');
    assert.deepEqual(dangling['warnings'], ['Cannot set fs attributes on a non-existent symlink target. follow should be set to False to avoid this.']);
    assert.equal(forced['warnings'], undefined);
  }));

test('file state=hard links to the same inode once', () =>
  withTempDir(async (dir) => {
    const src = join(dir, 'orig');
    await writeFile(src, 'x');
    const path = join(dir, 'hard');
    const first = await runModule(fileModule, { path, src, state: 'hard' });
    assert.equal(first.changed, true);
    assert.equal((await stat(path)).ino, (await stat(src)).ino);
    const second = await runModule(fileModule, { path, src, state: 'hard' });
    assert.equal(second.changed, false);
    assert.equal(second.state, 'hard');
  }));

test('file recurse sets owner and mode on a whole tree and notices when nothing changes', () =>
  withTempDir(async (dir) => {
    const path = join(dir, 'r');
    await mkdir(join(path, 'sub'), { recursive: true });
    await writeFile(join(path, 'sub', 'f'), '');
    const args = { path, state: 'directory', recurse: true, owner: '1234', mode: 'u=rwX,g=rX,o=' };
    const checked = await runModule(fileModule, args, { check: true });
    assert.equal(checked.changed, true);
    assert.notEqual((await stat(join(path, 'sub', 'f'))).uid, 1234);
    const first = await runModule(fileModule, args);
    assert.equal(first.changed, true);
    assert.equal((await stat(join(path, 'sub', 'f'))).uid, 1234);
    assert.equal(await modeOf(join(path, 'sub', 'f')), 0o640);
    assert.equal(await modeOf(join(path, 'sub')), 0o750);
    const second = await runModule(fileModule, args);
    assert.equal(second.changed, false);
  }));

test('file follows a symlink to set the mode of its target', () =>
  withTempDir(async (dir) => {
    await writeFile(join(dir, 'target'), '');
    await chmod(join(dir, 'target'), 0o644);
    await symlink('target', join(dir, 'link'));
    const result = await runModule(fileModule, { path: join(dir, 'link'), mode: '0600' });
    assert.equal(result.changed, true);
    assert.equal(await modeOf(join(dir, 'target')), 0o600);
  }));

test('file diff shows mode changes as Ansible dicts', () =>
  withTempDir(async (dir) => {
    const path = join(dir, 'm');
    await writeFile(path, '');
    await chmod(path, 0o644);
    const result = await runModule(fileModule, { path, mode: '0600' }, { check: true, diff: true });
    assert.deepEqual(result.diff, { before: { path, mode: '0644' }, after: { path, mode: '0600' } });
    assert.equal(await modeOf(path), 0o644);
  }));

test('file state=link gives a new link its owner (follow=false) and a second run changes nothing', () =>
  withTempDir(async (dir) => {
    const path = join(dir, 'dangling');
    const args = { path, src: join(dir, 'nowhere'), state: 'link', owner: 'nobody', mode: '0640', force: true, follow: false };
    const first = await runModule(fileModule, args);
    assert.equal(first.changed, true);
    assert.equal((await lstat(path)).uid, 65534);
    const again = await runModule(fileModule, args);
    assert.equal(again.changed, false, 'a link has no mode of its own to change');
  }));

test('file state=hard with a folder as path links src into the folder under its own name', () =>
  withTempDir(async (dir) => {
    const src = join(dir, 'data');
    await writeFile(src, 'x');
    await mkdir(join(dir, 'sub'));
    const first = await runModule(fileModule, { path: join(dir, 'sub'), src, state: 'hard' });
    assert.equal(first.changed, true);
    assert.equal(first['dest'], join(dir, 'sub', 'data'));
    assert.equal((await stat(join(dir, 'sub', 'data'))).ino, (await stat(src)).ino);
    assert.equal((await runModule(fileModule, { path: join(dir, 'sub'), src, state: 'hard' })).changed, false);
  }));

test('file failures that name a path carry what is there, and a non-empty folder is not turned into a link', () =>
  withTempDir(async (dir) => {
    const sub = join(dir, 'sub');
    await mkdir(join(sub, 'inner'), { recursive: true });
    const refused = await runModule(fileModule, { path: sub, state: 'file' });
    assert.deepEqual([refused.failed, refused.msg, refused['state'], refused['mode'], refused['uid']], [true, `file (${sub}) is directory, cannot continue`, 'directory', '0755', 0]);
    const ghost = await runModule(fileModule, { path: join(dir, 'ghost'), state: 'file' });
    assert.equal(ghost['state'], 'absent');
    const notEmpty = await runModule(fileModule, { path: sub, src: join(dir, 'x'), state: 'link', force: true });
    assert.deepEqual([notEmpty.msg, notEmpty['state']], [`the directory ${sub} is not empty, refusing to convert it`, 'directory']);
    assert.ok(await exists(join(sub, 'inner')));
  }));

test('file _diff_peek tells whether a file looks binary and changes nothing', () =>
  withTempDir(async (dir) => {
    await writeFile(join(dir, 'text'), 'plain\n');
    await writeFile(join(dir, 'bin'), Buffer.from([0x7f, 0x45, 0x00, 0x01]));
    const text = await runModule(fileModule, { path: join(dir, 'text'), _diff_peek: true });
    const bin = await runModule(fileModule, { path: join(dir, 'bin'), _diff_peek: true });
    assert.deepEqual([text.changed, text['appears_binary'], bin['appears_binary'], bin['state']], [false, false, true, 'file']);
  }));

test('file attributes adds and removes chattr flags, as Ansible decides (check mode changes nothing)', () =>
  withTempDir(async (dir) => {
    const path = join(dir, 'f');
    await writeFile(path, '');
    const flags = async () => execFileSync('lsattr', ['-d', path]).toString().split(' ')[0]!;
    const checked = await runModule(fileModule, { path, attributes: '+A' }, { check: true });
    assert.equal(checked.changed, true);
    assert.doesNotMatch(await flags(), /A/);
    const added = await runModule(fileModule, { path, attributes: '+A' });
    assert.equal(added.changed, true);
    assert.equal((added.diff as { after: Record<string, unknown> }).after['attributes'], '+A');
    assert.match(await flags(), /A/);
    await runModule(fileModule, { path, attributes: '-A' });
    assert.doesNotMatch(await flags(), /A/);
  }));

test('file without state on a file with other hard links keeps it hard: dest, src null, no state in the diff', () =>
  withTempDir(async (dir) => {
    const path = join(dir, 'f');
    await writeFile(path, 'x');
    await link(path, join(dir, 'other'));
    const result = await runModule(fileModule, { path, mode: '0600' });
    assert.deepEqual([result.changed, result['dest'], result['src'], result['state']], [true, path, null, 'hard']);
    assert.deepEqual(result.diff, { before: { path, mode: '0644' }, after: { path, mode: '0600' } });
  }));

test('file recurse shows the folder\'s own mode change in the diff and check mode', () =>
  withTempDir(async (dir) => {
    const path = join(dir, 'tree');
    await mkdir(path, { mode: 0o755 });
    await chmod(path, 0o755);
    const checked = await runModule(fileModule, { path, state: 'directory', mode: '0700', recurse: true }, { check: true });
    assert.equal(checked.changed, true);
    assert.deepEqual(checked.diff, { before: { path, mode: '0755' }, after: { path, mode: '0700' } });
    assert.equal(await modeOf(path), 0o755);
  }));

test('file diff shows a new owner and group given by name as their numbers, as Ansible does', () =>
  withTempDir(async (dir) => {
    const path = join(dir, 'f');
    await writeFile(path, '');
    const result = await runModule(fileModule, { path, owner: 'nobody', group: 'nogroup' }, { check: true });
    assert.deepEqual(result.diff, { before: { path, owner: 0, group: 0 }, after: { path, owner: 65534, group: 65534 } });
  }));

test('file and stat expand $VAR and ~ in paths on the target, as Ansible path arguments are', () =>
  withTempDir(async (dir) => {
    process.env['PT_EXPAND_DIR'] = dir;
    try {
      const touched = await runModule(fileModule, { path: '${PT_EXPAND_DIR}/made', state: 'touch' });
      assert.equal(touched['dest'], join(dir, 'made'));
      assert.ok(await exists(join(dir, 'made')));
      const seen = await runModule(statModule, { path: '$PT_EXPAND_DIR/made' });
      assert.equal((seen['stat'] as Record<string, unknown>)['exists'], true);
      const home = await runModule(statModule, { path: '~' });
      assert.equal((home['stat'] as Record<string, unknown>)['path'], process.env['HOME']);
    } finally {
      delete process.env['PT_EXPAND_DIR'];
    }
  }));
