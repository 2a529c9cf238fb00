import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { templateModule } from '../modules/template.js';
import { moduleFailure, runModule, withTempDir } from './support/moduleRun.js';

test('template renders variables into dest and is idempotent', () =>
  withTempDir(async (dir) => {
    await writeFile(join(dir, 'motd.j2'), 'Welcome to {{ name }}\n');
    const dest = join(dir, 'motd');
    const options = { filesDir: dir, vars: { name: 'live' } };
    const first = await runModule(templateModule, { src: 'motd.j2', dest, mode: '0600' }, options);
    assert.equal(first.changed, true);
    assert.equal(await readFile(dest, 'utf8'), 'Welcome to live\n');
    assert.equal((await stat(dest)).mode & 0o777, 0o600);
    const second = await runModule(templateModule, { src: 'motd.j2', dest, mode: '0600' }, options);
    assert.equal(second.changed, false);
    assert.equal(second.roundTrips, 1);
  }));

test('template in check mode with diff shows the rendered text and writes nothing', () =>
  withTempDir(async (dir) => {
    await writeFile(join(dir, 't.j2'), 'host={{ name }}\n');
    const dest = join(dir, 'out');
    await writeFile(dest, 'host=old\n');
    const result = await runModule(templateModule, { src: 't.j2', dest }, { filesDir: dir, vars: { name: 'new' }, check: true, diff: true });
    assert.equal(result.changed, true);
    assert.deepEqual(result.diff, { before: 'host=old\n', after: 'host=new\n', before_header: dest, after_header: join(dir, 't.j2') });
    assert.equal(await readFile(dest, 'utf8'), 'host=old\n');
  }));

test('template into a folder keeps the template file name, as Ansible does, and honours newline_sequence', () =>
  withTempDir(async (dir) => {
    await writeFile(join(dir, 'win.ini.j2'), 'a\nb\n');
    await mkdir(join(dir, 'etc'));
    const result = await runModule(templateModule, { src: 'win.ini.j2', dest: join(dir, 'etc'), newline_sequence: '\r\n' }, { filesDir: dir });
    assert.equal(result.dest, join(dir, 'etc', 'win.ini.j2'));
    assert.equal(await readFile(join(dir, 'etc', 'win.ini.j2'), 'utf8'), 'a\r\nb\r\n');
  }));

test('template fails when the template is missing', () =>
  withTempDir(async (dir) => {
    assert.match(await moduleFailure(templateModule, { src: join(dir, 'nope.j2'), dest: join(dir, 'x') }), /Could not find or access/);
  }));

test('template writes output_encoding windows-1252 and latin-1 bytes; a character the encoding lacks fails the task', () =>
  withTempDir(async (dir) => {
    await writeFile(join(dir, 'enc.j2'), 'caf\u00e9 \u20ac\n');
    await runModule(templateModule, { src: 'enc.j2', dest: join(dir, 'cp1252.txt'), output_encoding: 'windows-1252' }, { filesDir: dir });
    assert.deepEqual([...(await readFile(join(dir, 'cp1252.txt')))], [0x63, 0x61, 0x66, 0xe9, 0x20, 0x80, 0x0a]);
    assert.match(await moduleFailure(templateModule, { src: join(dir, 'enc.j2'), dest: join(dir, 'l1.txt'), output_encoding: 'latin-1' }), /can't encode character '\u20ac'/);
  }));
