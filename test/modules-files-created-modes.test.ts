/**
 * Files created with their final mode through the umask (contentInstall.ts's createdWithMode, file's touch):
 * which programs such a write starts, and that a default ACL on the folder, which wins over the umask, still
 * ends with the wanted mode (the stat that reads the result checks it and chmods). Real files through the
 * local connection; the programs are counted by wrappers put first in PATH that log their name. Also: the folders
 * `file` creates with an owner are found without a dirname program, and owners named in its diff without cut or head;
 * a file that is there is touched without a stat after, and a link made is read without readlink.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { copyModule } from '../modules/copy.js';
import { fileModule } from '../modules/file.js';
import { lineinfileModule } from '../modules/lineinfile.js';
import type { ModuleDefinition } from '../modules/module.js';
import { templateModule } from '../modules/template.js';
import { runModule, withTempDir } from './support/moduleRun.js';
import { programsRun } from './support/programsRun.js';

const run = promisify(execFile);
const ENSURE_TOOLS = fileURLToPath(new URL('../../scripts/ensure-tools.sh', import.meta.url));
const modeOf = async (path: string) => ((await stat(path)).mode & 0o7777).toString(8);

async function checked(module: ModuleDefinition, args: Record<string, unknown>, filesDir?: string) {
  const result = await runModule(module, args, filesDir ? { filesDir, vars: { name: 'x' } } : {});
  assert.notEqual(result.failed, true, String(result.msg));
  assert.equal(result.changed, true);
  return result;
}

test('copy and template create a new 0644 or 0600 file with that mode: no chmod runs, and the result reports the mode', () =>
  withTempDir(async (dir) => {
    await writeFile(join(dir, 't.j2'), 'value={{ name }}\n');
    const results: Record<string, unknown>[] = [];
    const programs = await programsRun(dir, async () => {
      results.push(await checked(copyModule, { content: 'a=1\n', dest: join(dir, 'copied'), mode: '0644' }));
      results.push(await checked(templateModule, { src: 't.j2', dest: join(dir, 'templated'), mode: '0644' }, dir));
      results.push(await checked(copyModule, { content: 'secret\n', dest: join(dir, 'secret'), mode: '0600' }));
    });
    assert.deepEqual(programs, ['stat', 'mv', 'stat', 'mv', 'stat', 'mv']);
    assert.deepEqual(results.map((result) => [result['mode'], result['state'], result['size']]), [['0644', 'file', 4], ['0644', 'file', 8], ['0600', 'file', 7]]);
    assert.deepEqual(await Promise.all(['copied', 'templated', 'secret'].map((name) => modeOf(join(dir, name)))), ['644', '644', '600']);
  }));

test('copy creates a new file 0600 and chmods it after when its group may change and reads more than others, or it has execute bits', () =>
  withTempDir(async (dir) => {
    const made: string[][] = [];
    for (const [name, extra] of [['group-mine', {}], ['group-set', { group: 'root' }], ['script', {}]] as const) {
      const mode = name === 'script' ? '0755' : '0640';
      const programs = await programsRun(dir, () => checked(copyModule, { content: 'a=1\n', dest: join(dir, name), mode, ...extra }));
      made.push([name, await modeOf(join(dir, name)), String(programs.includes('chmod'))]);
    }
    // A new file keeps the group it is created with unless one is asked: 0640 shows no one more from the start.
    assert.deepEqual(made, [['group-mine', '640', 'false'], ['group-set', '640', 'true'], ['script', '755', 'true']]);
  }));

test('file state=touch creates a missing file with its mode by the shell: no touch or chmod program runs', () =>
  withTempDir(async (dir) => {
    const path = join(dir, 'made');
    let result: Record<string, unknown> = {};
    const programs = await programsRun(dir, async () => {
      result = await checked(fileModule, { path, state: 'touch', mode: '0644' });
    });
    assert.deepEqual(programs, ['stat']);
    assert.deepEqual([result['dest'], result['mode'], result['state'], result['size'], result['roundTrips']], [path, '0644', 'file', 0, 1]);
    assert.equal(await modeOf(path), '644');
  }));

test('file state=touch of a file that is there reads it once: the reported state is the one read, with the new mode', () =>
  withTempDir(async (dir) => {
    const path = join(dir, 'there');
    await writeFile(path, 'abc');
    await chmod(path, 0o644);
    const results: Record<string, unknown>[] = [];
    const programs = await programsRun(dir, async () => {
      results.push(await checked(fileModule, { path, state: 'touch' }));
      results.push(await checked(fileModule, { path, state: 'touch', mode: 'u-w' }));
    });
    // Times are not in the result: nothing is read after touch (nor after its chmod).
    assert.deepEqual(programs, ['stat', 'touch', 'stat', 'chmod', 'touch']);
    assert.deepEqual(results.map((result) => [result['dest'], result['mode'], result['state'], result['size']]), [[path, '0644', 'file', 3], [path, '0444', 'file', 3]]);
    assert.equal(await modeOf(path), '444');
    const owned = await checked(fileModule, { path, state: 'touch', owner: 'nobody' });
    assert.deepEqual([owned['owner'], owned['uid']], ['nobody', 65534]);
  }));

test('file state=link reads the link it made with one stat: its target and real path are not in the result', () =>
  withTempDir(async (dir) => {
    const path = join(dir, 'link');
    await writeFile(join(dir, 'target'), 'abc');
    let result: Record<string, unknown> = {};
    const programs = await programsRun(dir, async () => {
      result = await checked(fileModule, { path, src: 'target', state: 'link' });
    }, ['stat', 'readlink', 'ln']);
    assert.deepEqual(programs, ['stat', 'ln', 'stat']);
    assert.deepEqual([result['dest'], result['src'], result['state'], result['mode'], result['size']], [path, 'target', 'link', '0777', 6]);
  }));

test('file sets an owner and a group with one chown; an unknown group still fails with chgrp\'s words after the owner changed', () =>
  withTempDir(async (dir) => {
    const path = join(dir, 'owned');
    await writeFile(path, '');
    let result: Record<string, unknown> = {};
    const programs = await programsRun(dir, async () => {
      result = await checked(fileModule, { path, owner: 'nobody', group: 'nogroup' });
    }, ['stat', 'chown', 'chgrp']);
    // The state read, the one chown, the state read back (names are in the result).
    assert.deepEqual(programs, ['stat', 'chown', 'stat']);
    assert.deepEqual([result['owner'], result['group']], ['nobody', 'nogroup']);
    const other = join(dir, 'other');
    await writeFile(other, '');
    const failed = await runModule(fileModule, { path: other, owner: 'nobody', group: 'no-such-group' }).catch((error: Error) => ({ msg: error.message }));
    assert.match(String(failed.msg), /chgrp: invalid group: .no-such-group./);
    assert.equal((await stat(other)).uid, 65534);
  }));

test('file state=directory with an owner finds the missing levels of a path by the shell alone, then gives each the mode', () =>
  withTempDir(async (dir) => {
    const top = join(dir, 'a');
    let result: Record<string, unknown> = {};
    const programs = await programsRun(dir, async () => {
      result = await checked(fileModule, { path: `${top}//b/c/`, state: 'directory', mode: '0750', owner: 'root' });
    });
    // One mkdir, a chmod per level made (three), the stat of the result: no dirname for each level.
    assert.deepEqual(programs, ['mkdir', 'chmod', 'chmod', 'chmod', 'stat']);
    assert.deepEqual([result['mode'], result['state']], ['0750', 'directory']);
    assert.deepEqual(await Promise.all([top, join(top, 'b'), join(top, 'b/c')].map(modeOf)), ['750', '750', '750']);
  }));

test('file state=directory gives the mode to the levels it makes of a path with `..`, never to the folder `..` names', () =>
  withTempDir(async (dir) => {
    const base = join(dir, 'base');
    await mkdir(base);
    await chmod(base, 0o755);
    for (const [name, extra] of [['umask', {}], ['owner', { owner: 'root' }]] as const) {
      const result = await checked(fileModule, { path: `${base}/${name}/../${name}-made`, state: 'directory', mode: '0750', ...extra });
      assert.equal(result['mode'], '0750');
      assert.deepEqual(await Promise.all([base, join(base, name), join(base, `${name}-made`)].map(modeOf)), ['755', '750', '750'], name);
    }
  }));

test("file's diff turns an owner and group named into their ids with getent alone (no cut or head)", () =>
  withTempDir(async (dir) => {
    const path = join(dir, 'f');
    await writeFile(path, '');
    let result: Record<string, unknown> = {};
    const programs = await programsRun(dir, async () => {
      result = await runModule(fileModule, { path, owner: 'nobody', group: 'nogroup' }, { check: true });
    });
    assert.deepEqual(programs, ['stat', 'getent', 'getent']);
    assert.deepEqual(result['diff'], { before: { path, owner: 0, group: 0 }, after: { path, owner: 65534, group: 65534 } });
  }));

describe('a default ACL on the folder, which wins over the umask', () => {
  let setfacl: string | undefined;

  before(async () => {
    const find = () => run('sh', ['-c', 'command -v setfacl']).then((found) => found.stdout.trim(), () => undefined);
    setfacl = (await find()) ?? (await run('sh', [ENSURE_TOOLS, 'playtree tests', 'setfacl=acl']).then(find, () => undefined));
  });

  test('copy, template, touch, a new folder and lineinfile still end with the wanted mode and report it (the check chmods)', async (t) => {
    const program = setfacl;
    if (!program) return t.skip('setfacl (the acl package) is not installed and apt could not install it');
    await withTempDir(async (dir) => {
      const shared = join(dir, 'shared');
      await mkdir(shared);
      await run(program, ['-d', '-m', 'u::rwx,g::rwx,o::rwx', shared]);
      // The ACL is real here: a file the shell creates with umask 0133 comes out 0666.
      await run('sh', ['-c', `umask 0133 && : > '${join(shared, 'probe')}'`]);
      assert.equal(await modeOf(join(shared, 'probe')), '666');
      await writeFile(join(dir, 't.j2'), 'value={{ name }}\n');
      await writeFile(join(shared, 'kept'), 'token=old\n');
      await chmod(join(shared, 'kept'), 0o600);
      await writeFile(join(shared, 'replaced'), 'old\n');
      await chmod(join(shared, 'replaced'), 0o644);
      const results: Record<string, unknown>[] = [];
      const programs = await programsRun(dir, async () => {
        results.push(await checked(copyModule, { content: 'a=1\n', dest: join(shared, 'copied'), mode: '0644' }));
        results.push(await checked(copyModule, { content: 'secret\n', dest: join(shared, 'secret'), mode: '0600' }));
        results.push(await checked(templateModule, { src: 't.j2', dest: join(shared, 'templated'), mode: '0644' }, dir));
        results.push(await checked(copyModule, { content: 'new\n', dest: join(shared, 'replaced'), mode: '0644' }));
        results.push(await checked(fileModule, { path: join(shared, 'touched'), state: 'touch', mode: '0644' }));
        results.push(await checked(fileModule, { path: join(shared, 'made/deeper'), state: 'directory', mode: '0755' }));
        await checked(lineinfileModule, { path: join(shared, 'kept'), line: 'token=new', regexp: '^token=' });
      });
      assert.deepEqual(results.map((result) => result['mode']), ['0644', '0600', '0644', '0644', '0644', '0755']);
      const names = ['copied', 'secret', 'templated', 'replaced', 'touched', 'made/deeper', 'made', 'kept'];
      assert.deepEqual(await Promise.all(names.map((name) => modeOf(join(shared, name)))), ['644', '600', '644', '644', '644', '755', '755', '600']);
      assert.equal(await readFile(join(shared, 'kept'), 'utf8'), 'token=new\n');
      // Each of the seven writes needed its chmod (the folder's one for both levels).
      assert.equal(programs.filter((name) => name === 'chmod').length, 7);
    });
  });
});
