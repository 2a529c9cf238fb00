import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, chown, lstat, mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { copyModule } from '../modules/copy.js';
import { moduleFailure, runModule, withTempDir } from './support/moduleRun.js';
import { programsRun } from './support/programsRun.js';

const modeOf = async (path: string) => (await stat(path)).mode & 0o7777;

test('copy writes a new file in one round trip (the content goes with the read), then reports changed=false with one', () =>
  withTempDir(async (dir) => {
    const dest = join(dir, 'out.txt');
    const first = await runModule(copyModule, { content: 'hello\n', dest });
    assert.equal(first.changed, true);
    assert.equal(await readFile(dest, 'utf8'), 'hello\n');
    assert.equal(first.checksum, 'f572d396fae9206628714fb2ce00f72e94f2258f');
    assert.equal(first.size, 6);
    assert.equal(first.mode, '0644');
    assert.equal(first.state, 'file');
    assert.equal(first.md5sum, 'b1946ac92492d2347c6235b4d2611184');
    assert.equal(first.roundTrips, 1);
    const second = await runModule(copyModule, { content: 'hello\n', dest });
    assert.equal(second.changed, false);
    assert.equal(second.roundTrips, 1);
    assert.equal(second.mode, '0644');
    assert.equal(second.state, 'file');
  }));

test('copy keeps the old mode and owner when it replaces a file, in one round trip (read the state, then write, chown and rename when the sha1 differs)', () =>
  withTempDir(async (dir) => {
    const dest = join(dir, 'kept');
    await writeFile(dest, 'old');
    await chmod(dest, 0o600);
    await chown(dest, 1234, 1234);
    const result = await runModule(copyModule, { content: 'new', dest });
    assert.equal(result.changed, true);
    assert.equal(result.roundTrips, 1);
    assert.equal(await modeOf(dest), 0o600);
    assert.equal((await stat(dest)).uid, 1234);
    assert.equal(result.uid, 1234);
    // An owner to set depends on the file's own: read first, then write.
    const owned = await runModule(copyModule, { content: 'newer', dest, owner: '0' });
    assert.deepEqual([owned.changed, owned.roundTrips, owned.uid, await readFile(dest, 'utf8')], [true, 2, 0, 'newer']);
  }));

test('copy keeps an executable or setgid mode of the file it replaces, and applies a wanted mode over it', () =>
  withTempDir(async (dir) => {
    for (const [old, wanted, expected] of [[0o755, undefined, 0o755], [0o2750, undefined, 0o2750], [0o600, '0640', 0o640], [0o644, '0755', 0o755]] as const) {
      const dest = join(dir, `f${old.toString(8)}-${String(wanted)}`);
      await writeFile(dest, 'old');
      await chmod(dest, old);
      const result = await runModule(copyModule, { content: 'new', dest, ...(wanted ? { mode: wanted } : {}) });
      assert.equal(result.changed, true);
      assert.equal(await readFile(dest, 'utf8'), 'new');
      assert.equal(await modeOf(dest), expected, `old ${old.toString(8)}, wanted ${String(wanted)}`);
      assert.equal(result.mode, `0${expected.toString(8)}`);
    }
    assert.deepEqual((await readdir(dir)).filter((name) => name.includes('playtree')), [], 'no temporary file is left');
  }));

test('copy applies octal, integer and symbolic modes and owner', () =>
  withTempDir(async (dir) => {
    const cases: [unknown, number][] = [['0640', 0o640], [0o600, 0o600], ['u=rwx,g=rx,o=', 0o750], ['644', 0o644]];
    for (const [mode, expected] of cases) {
      const dest = join(dir, `m${expected.toString(8)}`);
      const result = await runModule(copyModule, { content: 'x', dest, mode, owner: '1234', group: 'nogroup' });
      assert.equal(await modeOf(dest), expected, `mode ${String(mode)}`);
      assert.equal(result.mode, `0${expected.toString(8)}`);
      assert.equal(result.uid, 1234);
      const again = await runModule(copyModule, { content: 'x', dest, mode, owner: '1234', group: 'nogroup' });
      assert.equal(again.changed, false, `idempotent for ${String(mode)}`);
    }
  }));

test('copy changes only attributes in one command when content is identical', () =>
  withTempDir(async (dir) => {
    const dest = join(dir, 'a');
    await writeFile(dest, 'same');
    const result = await runModule(copyModule, { content: 'same', dest, mode: '0700' });
    assert.equal(result.changed, true);
    assert.equal(result.roundTrips, 2);
    assert.equal(await modeOf(dest), 0o700);
  }));

test('copy in check mode changes nothing and gives a diff', () =>
  withTempDir(async (dir) => {
    const dest = join(dir, 'c');
    await writeFile(dest, 'before\n');
    const result = await runModule(copyModule, { content: 'after\n', dest }, { check: true, diff: true });
    assert.equal(result.changed, true);
    assert.equal(await readFile(dest, 'utf8'), 'before\n');
    assert.deepEqual(result.diff, { before: 'before\n', after: 'after\n', before_header: dest, after_header: 'dynamically generated' });
    // Ansible's copy action answers a content change in check mode before its module runs: nothing else
    assert.deepEqual(Object.keys(result).sort(), ['changed', 'diff', 'roundTrips']);
    const created = await runModule(copyModule, { content: 'new\n', dest: join(dir, 'n') }, { check: true, diff: true });
    assert.deepEqual(created.diff, { before: '', after: 'new\n', after_header: 'dynamically generated' }, 'a missing dest is not named');
  }));

test('copy handles names with spaces, quotes, $, unicode and a leading dash', () =>
  withTempDir(async (dir) => {
    // ($ followed by a name would be expanded on the target, as Ansible does: see targetPaths.ts)
    const sub = join(dir, "-d 'q' \"$9\" é");
    await mkdir(sub);
    const dest = join(sub, "-f $(x) `y` 'z' ü.txt");
    const result = await runModule(copyModule, { content: 'odd', dest, mode: '0600', backup: true });
    assert.equal(result.changed, true);
    assert.equal(await readFile(dest, 'utf8'), 'odd');
    const again = await runModule(copyModule, { content: 'odder', dest, backup: true });
    assert.equal(await readFile(again.backup_file as string, 'utf8'), 'odd');
    assert.equal(await modeOf(dest), 0o600);
  }));

test('copy src file into an existing folder and with a trailing slash', () =>
  withTempDir(async (dir) => {
    const files = join(dir, 'files');
    await mkdir(files);
    await writeFile(join(files, 'app.conf'), 'conf\n');
    await chmod(join(files, 'app.conf'), 0o751);
    await mkdir(join(dir, 'etc'));
    const into = await runModule(copyModule, { src: 'app.conf', dest: join(dir, 'etc'), mode: 'preserve' }, { filesDir: files });
    assert.equal(into.dest, join(dir, 'etc', 'app.conf'));
    assert.equal(await modeOf(join(dir, 'etc', 'app.conf')), 0o751);
    const slash = await runModule(copyModule, { src: 'app.conf', dest: join(dir, 'new') + '/' }, { filesDir: files });
    assert.equal(slash.changed, true);
    assert.equal(await readFile(join(dir, 'new', 'app.conf'), 'utf8'), 'conf\n');
  }));

test('copy src folder recursively, with and without trailing slash, idempotently', () =>
  withTempDir(async (dir) => {
    const tree = join(dir, 'tree');
    await mkdir(join(tree, 'sub'), { recursive: true });
    await writeFile(join(tree, 'a'), 'A');
    await writeFile(join(tree, 'sub', 'b'), 'B');
    const dest = join(dir, 'out');
    await mkdir(dest);
    const whole = await runModule(copyModule, { src: tree, dest, mode: '0600' });
    assert.equal(whole.changed, true);
    assert.equal(await readFile(join(dest, 'tree', 'sub', 'b'), 'utf8'), 'B');
    assert.equal(await modeOf(join(dest, 'tree', 'a')), 0o600);
    const again = await runModule(copyModule, { src: tree, dest, mode: '0600' });
    assert.equal(again.changed, false);
    assert.equal(again.roundTrips, 1);
    const contents = await runModule(copyModule, { src: `${tree}/`, dest: join(dir, 'flat') });
    assert.equal(contents.changed, true);
    assert.deepEqual((await readdir(join(dir, 'flat'))).sort(), ['a', 'sub']);
  }));

test('copy remote_src copies a file already on the target', () =>
  withTempDir(async (dir) => {
    await writeFile(join(dir, 'origin'), 'remote');
    const result = await runModule(copyModule, { src: join(dir, 'origin'), dest: join(dir, 'copy'), remote_src: true });
    assert.equal(result.changed, true);
    assert.equal(await readFile(join(dir, 'copy'), 'utf8'), 'remote');
    const again = await runModule(copyModule, { src: join(dir, 'origin'), dest: join(dir, 'copy'), remote_src: true });
    assert.equal(again.changed, false);
  }));

test('copy force=no leaves an existing file alone', () =>
  withTempDir(async (dir) => {
    const dest = join(dir, 'f');
    await writeFile(dest, 'mine');
    const result = await runModule(copyModule, { content: 'theirs', dest, force: false });
    assert.equal(result.changed, false);
    assert.equal(await readFile(dest, 'utf8'), 'mine');
  }));

test('copy validate refuses bad content and leaves no temporary file', () =>
  withTempDir(async (dir) => {
    const dest = join(dir, 'v');
    const result = await runModule(copyModule, { content: 'bad', dest, validate: 'grep -q good %s' });
    assert.equal(result.failed, true);
    assert.equal(result.msg, 'failed to validate');
    assert.deepEqual(await readdir(dir), []);
    const ok = await runModule(copyModule, { content: 'good', dest, validate: 'grep -q good %s' });
    assert.equal(ok.changed, true);
  }));

test('copy checks that validate holds %s only when it writes, as Ansible does', () =>
  withTempDir(async (dir) => {
    const dest = join(dir, 'v');
    await writeFile(dest, 'same');
    const unchanged = await runModule(copyModule, { content: 'same', dest, validate: 'true' });
    assert.equal(unchanged.changed, false);
    assert.equal(unchanged.failed, undefined);
    assert.equal(await moduleFailure(copyModule, { content: 'new', dest, validate: 'true' }), 'validate must contain %s: true');
    assert.equal(await readFile(dest, 'utf8'), 'same');
    assert.deepEqual(await readdir(dir), ['v']);
  }));

test('copy reports the errors Ansible reports', () =>
  withTempDir(async (dir) => {
    const { roundTrips, ...noFolder } = await runModule(copyModule, { content: 'x', dest: join(dir, 'no', 'such', 'f') });
    assert.ok(roundTrips > 0);
    // the source's sha1 is all Ansible's copy action adds to this failure
    assert.deepEqual(noFolder, { changed: false, failed: true, msg: `Destination directory ${join(dir, 'no', 'such')} does not exist`, checksum: '11f6ad8ec52a2984abaafd7c3b516503785c2072' });
    assert.equal(await moduleFailure(copyModule, { dest: join(dir, 'f') }), 'src (or content) is required');
    assert.equal(await moduleFailure(copyModule, { content: 'x', dest: `${dir}/` }), 'can not use content with a dir as dest');
    assert.equal(await moduleFailure(copyModule, { src: join(dir, 'missing'), dest: join(dir, 'f'), remote_src: true }), `Source ${join(dir, 'missing')} not found`);
    assert.match(await moduleFailure(copyModule, { content: 'x', dest: join(dir, 'f'), mode: 'u=banana' }), /bad symbolic permission/);
    assert.equal((await lstat(dir)).isDirectory(), true);
  }));

test('copy over a changed file hashes it and replaces it in one command, no stat of the old file; the same content is read once', () =>
  withTempDir(async (dir) => {
    const dest = join(dir, 'conf');
    await writeFile(dest, 'old\n');
    await chmod(dest, 0o640);
    await chown(dest, 65534, 65534);
    const results: Record<string, unknown>[] = [];
    const programs = await programsRun(dir, async () => {
      results.push(await runModule(copyModule, { content: 'new\n', dest }));
      results.push(await runModule(copyModule, { content: 'new\n', dest }));
    }, ['stat', 'sha1sum', 'chmod', 'mv', 'cat']);
    // The old mode and owner are kept from the file itself; the stat reads the new one for the result.
    assert.deepEqual(programs, ['sha1sum', 'chmod', 'mv', 'stat', 'sha1sum', 'stat']);
    assert.deepEqual(results.map((result) => [result.changed, result['mode'], result['owner'], result['size'], result.roundTrips]), [[true, '0640', 'nobody', 4, 1], [false, '0640', 'nobody', 4, 1]]);
    assert.equal(await readFile(dest, 'utf8'), 'new\n');
  }));

test('a folder copy writes each new file as a single copy does: no put (cat, tail, truncate), its mode set before the rename', () =>
  withTempDir(async (dir) => {
    const source = join(dir, 'src');
    await mkdir(join(source, 'sub'), { recursive: true });
    await writeFile(join(source, 'a.conf'), 'a=1\n');
    await writeFile(join(source, 'sub', 'key'), 'secret');
    const dest = join(dir, 'dest');
    const programs = await programsRun(dir, () => runModule(copyModule, { src: `${source}/`, dest, mode: '0600' }), ['cat', 'tail', 'truncate', 'head', 'chmod', 'mv', 'mkdir']);
    assert.deepEqual(programs, ['mkdir', 'chmod', 'mv', 'chmod', 'mv']);
    assert.deepEqual([await readFile(join(dest, 'a.conf'), 'utf8'), await readFile(join(dest, 'sub', 'key'), 'utf8')], ['a=1\n', 'secret']);
    assert.deepEqual([await modeOf(join(dest, 'a.conf')), await modeOf(join(dest, 'sub', 'key'))], [0o600, 0o600]);
    assert.deepEqual((await readdir(join(dest, 'sub'))).sort(), ['key']);
  }));
