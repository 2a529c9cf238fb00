/**
 * Small text content is written into its temporary file by the shell's own `read` and `printf` (contentReceive.ts),
 * other content by `head -c`: the bytes that arrive are the bytes sent, with dash and bash, through the local
 * connection and in a real tree's persistent container; a stream cut anywhere fails the write and leaves neither
 * a file nor its temporary one.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LocalConnection } from '../connections/local.js';
import { PersistentNspawnConnection } from '../connections/nspawn.js';
import type { Connection } from '../connections/connection.js';
import { copyModule } from '../modules/copy.js';
import { installContent } from '../modules/fileWriter.js';
import type { ModuleResult, Target } from '../modules/module.js';
import { absentState } from '../modules/remoteFile.js';
import { ConnectionTarget } from '../src/engine/target.js';
import { copyTestTree, realTreeSkipReason } from './support/imageTree.js';
import { runModule, withTempDir } from './support/moduleRun.js';
import { programsRun } from './support/programsRun.js';
import { treeOptions } from './support/treeConnectionCases.js';
import { moduleContext } from './support/treeModuleRun.js';

const run = promisify(execFile);

/** [name, content, whether head writes it] */
const SHAPES: [string, Buffer, boolean][] = [
  ['empty', Buffer.from(''), false],
  ['one unterminated line', Buffer.from('a'), false],
  ['newlines only', Buffer.from('\n\n\n'), false],
  ['an unterminated last line', Buffer.from('two\nlines'), false],
  ['blanks around words', Buffer.from('  lead and trail  \n\ttab\t\n \n'), false],
  ['backslashes', Buffer.from('back\\slash \\n \\\\ and at the end \\\n\\'), false],
  ['CRLF and a lone CR', Buffer.from('crlf\r\nline\r\n\r'), false],
  ['UTF-8 and bytes that are none', Buffer.concat([Buffer.from('héllo ✓\n'), Buffer.from([0xe9, 0xff, 0x80, 0x0a])]), false],
  ['shell and printf syntax', Buffer.from('-n\n-e\n%s %d %%\n$(touch x) `id` $HOME "q" \'q\'\n'), false],
  ['2048 bytes', Buffer.from(`${'x'.repeat(2047)}\n`), false],
  ['128 lines', Buffer.from('line\n'.repeat(128)), false],
  ['129 lines', Buffer.from('line\n'.repeat(129)), true],
  ['2049 bytes', Buffer.from(`${'x'.repeat(2048)}\n`), true],
  ['a NUL byte', Buffer.from('a\0b\n'), true],
];

function localTarget(shell: string): Target {
  const vars = shell === '/bin/sh' ? {} : { ansible_executable: shell };
  return new ConnectionTarget(new LocalConnection({ host: 'localhost', vars, config: {}, log: () => {} }));
}

async function install(target: Target, dest: string, data: Buffer): Promise<ModuleResult | undefined> {
  const ctx = moduleContext(target, copyModule, { dest, content: '' }, { host: 'localhost' });
  const installed = await installContent(ctx, { dest, current: absentState(dest), data, changes: {} });
  return 'failed' in installed ? installed : undefined;
}

for (const shell of ['/bin/sh', '/bin/bash']) {
  test(`${shell}: small text arrives byte for byte written by the shell alone, other content by head`, () =>
    withTempDir(async (dir) => {
      for (const [name, data, byHead] of SHAPES) {
        const dest = join(dir, name);
        const programs = await programsRun(dir, () => install(localTarget(shell), dest, data).then((failure) => assert.equal(failure, undefined, name)));
        assert.deepEqual(await readFile(dest), data, name);
        assert.equal(programs.includes('head'), byHead, `${name}: ${programs.join(' ')}`);
      }
      assert.equal((await readdir(dir)).filter((entry) => entry.includes('.playtree-')).length, 0);
    }));
}

test('copy and template content of a few lines start no head: a new file costs its stat and mv alone', () =>
  withTempDir(async (dir) => {
    const programs = await programsRun(dir, () => runModule(copyModule, { content: 'name=x\nlevel=3\n', dest: join(dir, 'conf'), mode: '0644' }));
    assert.deepEqual(programs, ['stat', 'mv']);
    assert.equal(await readFile(join(dir, 'conf'), 'utf8'), 'name=x\nlevel=3\n');
  }));

/** A target whose commands get only the first `kept` bytes of their stdin, as when playtree dies mid-stream. */
function cutTarget(inner: Target, kept: number): Target {
  return {
    exec: (command, options = {}) => inner.exec(command, Buffer.isBuffer(options.stdin) ? { ...options, stdin: options.stdin.subarray(0, kept) } : options),
    put: (source, path) => inner.put(source, path),
    fetch: (path, sink) => inner.fetch(path, sink),
  };
}

test('a stream cut anywhere in the content or its end line fails the write and leaves no file, new or temporary', () =>
  withTempDir(async (dir) => {
    for (const [name, data] of [['terminated', Buffer.from('first line\nsecond\n')], ['unterminated', Buffer.from('first line\nlast')]] as const) {
      // The frame: the content, a newline after an unterminated last line, an 8-character end line.
      const framed = data.length + (data.at(-1) === 0x0a ? 0 : 1) + 9;
      for (const kept of [0, 5, 11, data.length - 2, data.length, framed - 9, framed - 4]) {
        const dest = join(dir, `${name}-${kept}`);
        const failure = await install(cutTarget(localTarget('/bin/sh'), kept), dest, data);
        assert.ok(failure, `${name} cut after ${kept} bytes must fail`);
      }
      assert.equal(await install(cutTarget(localTarget('/bin/sh'), framed), join(dir, `${name}-whole`), data), undefined);
    }
    assert.deepEqual((await readdir(dir)).sort(), ['terminated-whole', 'unterminated-whole']);
  }));

test('small text that finds the disk full fails the write and keeps the old file, no temporary left', { skip: realTreeSkipReason() }, () =>
  withTempDir(async (dir) => {
    const full = join(dir, 'full');
    await mkdir(full);
    await run('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'playtree-test', full]);
    try {
      await writeFile(join(full, 'old.conf'), 'old\n');
      await run('sh', ['-c', `cat /dev/zero > '${join(full, 'filler')}' 2>/dev/null || :`]);
      for (const shell of ['/bin/sh', '/bin/bash']) {
        const failure = await install(localTarget(shell), join(full, 'old.conf'), Buffer.from('new line\n'.repeat(20)));
        assert.match(String(failure?.msg), /could not write .*old\.conf: .*(I\/O error|No space left)/, shell);
        assert.deepEqual((await readdir(full)).sort(), ['filler', 'old.conf'], shell);
        assert.equal(await readFile(join(full, 'old.conf'), 'utf8'), 'old\n', shell);
      }
    } finally {
      await run('umount', [full]);
    }
  }));

describe("in a real tree's persistent container (dash reading a FIFO)", { skip: realTreeSkipReason() }, () => {
  let tree = '';
  let remove = async () => {};
  let connection: Connection | undefined;
  before(async () => {
    ({ tree, remove } = await copyTestTree());
    connection = new PersistentNspawnConnection(treeOptions(tree));
  });
  after(async () => {
    await connection?.close();
    await remove();
  });

  test('every shape arrives byte for byte, and an old file is replaced whole', async () => {
    const target = new ConnectionTarget(connection!);
    for (const [name, data] of SHAPES) {
      const dest = `/etc/shell-fill-${SHAPES.findIndex(([other]) => other === name)}`;
      assert.equal(await install(target, dest, data), undefined, name);
      assert.deepEqual(await readFile(join(tree, dest)), data, name);
    }
    await writeFile(join(tree, 'etc/shell-fill-old'), 'old content that is longer\n');
    const ctx = moduleContext(target, copyModule, { dest: '/etc/shell-fill-old', content: 'new\n' }, { host: 'tree' });
    assert.equal((await copyModule.run(ctx)).changed, true);
    assert.equal(await readFile(join(tree, 'etc/shell-fill-old'), 'utf8'), 'new\n');
    assert.deepEqual((await readdir(join(tree, 'etc'))).filter((entry) => entry.includes('.playtree-')), []);
  });
});
