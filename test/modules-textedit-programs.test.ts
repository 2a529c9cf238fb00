/**
 * The text-editing modules (lineinfile, blockinfile, replace and rewriteTextFile's users such as ini_file) read a
 * plain regular file with `cat` alone when the task asks no mode, owner or group: the write keeps mode and owner
 * from the file itself. A task that asks for them still reads them (a stat). Real files through the local
 * connection; programs counted by wrappers first in PATH.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, chown, readFile, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { blockinfileModule } from '../modules/blockinfile.js';
import { iniFileModule } from '../modules/ini_file.js';
import { lineinfileModule } from '../modules/lineinfile.js';
import type { ModuleDefinition } from '../modules/module.js';
import { replaceModule } from '../modules/replace.js';
import { runModule, withTempDir } from './support/moduleRun.js';
import { programsRun } from './support/programsRun.js';

/** [module, args, the file before, after] */
const EDITS: [ModuleDefinition, Record<string, unknown>, string, string][] = [
  [lineinfileModule, { line: 'extra=1' }, 'name=x\n', 'name=x\nextra=1\n'],
  [lineinfileModule, { regexp: '^level=', line: 'level=5' }, 'level=3\n', 'level=5\n'],
  [blockinfileModule, { block: 'k=v' }, 'a\n', 'a\n# BEGIN ANSIBLE MANAGED BLOCK\nk=v\n# END ANSIBLE MANAGED BLOCK\n'],
  [replaceModule, { regexp: 'old', replace: 'new' }, 'old old\n', 'new new\n'],
  [iniFileModule, { section: 's', option: 'k', value: 'v' }, '[s]\nk = u\n', '[s]\nk = v\n'],
];

test('a text edit of a plain file starts cat, chmod and mv alone, and keeps its odd mode and its owner', () =>
  withTempDir(async (dir) => {
    for (const [index, [module, args, before, after]] of EDITS.entries()) {
      const path = join(dir, `edited-${index}`);
      await writeFile(path, before);
      await chmod(path, 0o640);
      await chown(path, 65534, 65534);
      let result: Record<string, unknown> = {};
      const programs = await programsRun(dir, async () => {
        result = await runModule(module, { path, ...args });
      });
      assert.deepEqual([result['changed'], result['failed']], [true, undefined], `${module.name}: ${String(result['msg'])}`);
      assert.deepEqual(programs, ['cat', 'chmod', 'mv'], module.name);
      assert.equal(await readFile(path, 'utf8'), after, module.name);
      const info = await stat(path);
      assert.deepEqual([info.mode & 0o7777, info.uid, info.gid], [0o640, 65534, 65534], module.name);
      const again = await runModule(module, { path, ...args });
      assert.equal(again.changed, false, `${module.name} a second time`);
    }
  }));

test('a text edit that asks for a mode, owner or group reads them with a stat, and reports only what differs', () =>
  withTempDir(async (dir) => {
    const path = join(dir, 'f');
    await writeFile(path, 'a\n');
    await chmod(path, 0o644);
    const programs = await programsRun(dir, async () => {
      const same = await runModule(lineinfileModule, { path, line: 'a', mode: '0644', owner: 'root' });
      assert.deepEqual([same.changed, same.msg], [false, '']);
      const other = await runModule(lineinfileModule, { path, line: 'b', mode: '0600' });
      assert.deepEqual([other.changed, other.msg], [true, 'line added and ownership, perms or SE linux context changed']);
    });
    assert.deepEqual(programs, ['stat', 'cat', 'stat', 'cat', 'chmod', 'mv']);
    assert.equal((await stat(path)).mode & 0o7777, 0o600);
  }));

test('a text edit through a symlink, or of a missing file, still reads the full state: the link is kept, the file made', () =>
  withTempDir(async (dir) => {
    const real = join(dir, 'real');
    await writeFile(real, 'a\n');
    await symlink('real', join(dir, 'link'));
    const programs = await programsRun(dir, async () => {
      assert.equal((await runModule(lineinfileModule, { path: join(dir, 'link'), line: 'b' })).changed, true);
      assert.equal((await runModule(lineinfileModule, { path: join(dir, 'missing'), line: 'c', create: true })).changed, true);
    });
    assert.deepEqual(programs.filter((name) => name === 'stat' || name === 'readlink'), ['stat', 'readlink', 'readlink']);
    assert.equal(await readFile(real, 'utf8'), 'a\nb\n');
    assert.equal(await readlink(join(dir, 'link')), 'real');
    assert.equal(await readFile(join(dir, 'missing'), 'utf8'), 'c\n');
  }));
