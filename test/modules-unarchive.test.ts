import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { unarchiveModule } from '../modules/unarchive.js';
import { runModule, withTempDir } from './support/moduleRun.js';

const run = promisify(execFile);

/** A source folder with a file, a subfolder and a file in it, archived with `tarFlags` (or zipped). */
async function makeArchive(dir: string, name: string, tarFlags: string[] | 'zip'): Promise<string> {
  const source = join(dir, 'source');
  await mkdir(join(source, 'sub'), { recursive: true });
  await writeFile(join(source, 'a.txt'), 'alpha\n');
  await writeFile(join(source, 'sub', 'b.txt'), 'beta\n');
  const archive = join(dir, name);
  if (tarFlags === 'zip') await run('zip', ['-qr', archive, '.'], { cwd: source });
  else await run('tar', ['-c', ...tarFlags, '-f', archive, '-C', source, '.']);
  return archive;
}

/** [archive name, tar flags or zip, handler] */
const formats: [string, string[] | 'zip', string][] = [
  ['t.tar', [], 'TarArchive'],
  ['t.tar.gz', ['-z'], 'TgzArchive'],
  ['t.tar.xz', ['-J'], 'TarXzArchive'],
  ['t.tar.bz2', ['-j'], 'TarBzipArchive'],
  ['t.tar.zst', ['--zstd'], 'TarZstdArchive'],
  ['t.zip', 'zip', 'ZipArchive'],
];

for (const [name, flags, handler] of formats) {
  test(`unarchive extracts ${name} into dest, then reports changed=false`, () =>
    withTempDir(async (dir) => {
      const archive = await makeArchive(dir, name, flags);
      const dest = join(dir, 'dest');
      await mkdir(dest);
      const first = await runModule(unarchiveModule, { src: archive, dest, list_files: true });
      assert.deepEqual([first.changed, first.handler, first.failed], [true, handler, undefined]);
      assert.equal(await readFile(join(dest, 'sub', 'b.txt'), 'utf8'), 'beta\n');
      assert.ok((first['files'] as string[]).some((f) => f.endsWith('a.txt')));
      const again = await runModule(unarchiveModule, { src: archive, dest });
      assert.equal(again.changed, false);
      assert.deepEqual(await readdir(dest), ['a.txt', 'sub'], 'no temporary archive left in dest');
    }));
}

test('unarchive re-extracts when a member was changed in dest', () =>
  withTempDir(async (dir) => {
    const archive = await makeArchive(dir, 't.tgz', ['-z']);
    const dest = join(dir, 'dest');
    await mkdir(dest);
    await runModule(unarchiveModule, { src: archive, dest });
    await writeFile(join(dest, 'a.txt'), 'tampered, longer\n');
    const result = await runModule(unarchiveModule, { src: archive, dest });
    assert.equal(result.changed, true);
    assert.equal(await readFile(join(dest, 'a.txt'), 'utf8'), 'alpha\n');
  }));

test('unarchive in check mode reports changed and extracts nothing', () =>
  withTempDir(async (dir) => {
    const archive = await makeArchive(dir, 't.tgz', ['-z']);
    const dest = join(dir, 'dest');
    await mkdir(dest);
    const result = await runModule(unarchiveModule, { src: archive, dest }, { check: true });
    assert.equal(result.changed, true);
    assert.deepEqual(await readdir(dest), []);
  }));

test('unarchive skips when creates exists, and honours exclude', () =>
  withTempDir(async (dir) => {
    const archive = await makeArchive(dir, 't.tgz', ['-z']);
    const dest = join(dir, 'dest');
    await mkdir(dest);
    const excluded = await runModule(unarchiveModule, { src: archive, dest, exclude: ['./sub*'] });
    assert.equal(excluded.changed, true);
    assert.deepEqual(await readdir(dest), ['a.txt']);
    const skipped = await runModule(unarchiveModule, { src: archive, dest, creates: join(dest, 'a.txt') });
    assert.deepEqual([skipped.skipped, skipped.msg], [true, `skipped, since ${join(dest, 'a.txt')} exists`]);
  }));

test('unarchive applies mode to every member and is idempotent with it', () =>
  withTempDir(async (dir) => {
    const archive = await makeArchive(dir, 't.tgz', ['-z']);
    const dest = join(dir, 'dest');
    await mkdir(dest);
    await runModule(unarchiveModule, { src: archive, dest, mode: 'u=rwX,go=' });
    assert.equal((await stat(join(dest, 'sub', 'b.txt'))).mode & 0o777, 0o600);
    assert.equal((await stat(join(dest, 'sub'))).mode & 0o777, 0o700);
    const again = await runModule(unarchiveModule, { src: archive, dest, mode: 'u=rwX,go=' });
    assert.equal(again.changed, false);
  }));

test('unarchive extracts an archive already on the target with remote_src', () =>
  withTempDir(async (dir) => {
    const archive = await makeArchive(dir, 't.tar.gz', ['-z']);
    const dest = join(dir, 'dest');
    await mkdir(dest);
    const result = await runModule(unarchiveModule, { src: archive, dest, remote_src: true });
    assert.equal(result.changed, true);
    assert.equal(await readFile(join(dest, 'a.txt'), 'utf8'), 'alpha\n');
  }));

test('unarchive fails when dest is not a folder', () =>
  withTempDir(async (dir) => {
    const archive = await makeArchive(dir, 't.tgz', ['-z']);
    const result = await runModule(unarchiveModule, { src: archive, dest: join(dir, 'nowhere') });
    assert.deepEqual([result.failed, result.msg], [true, `Destination '${join(dir, 'nowhere')}' is not a directory`]);
  }));
