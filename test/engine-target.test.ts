import assert from 'node:assert/strict';
import { chmod, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { LocalConnection } from '../connections/local.js';
import { ConnectionTarget } from '../src/engine/target.js';
import { withTempDir } from './support/moduleRun.js';

/**
 * become as another user, for real: a tiny stand-in for sudo (this machine has none) that runs the
 * command as the `-u` user with util-linux's runuser, taking sudo's options as playtree passes them.
 */
async function becomeTarget(dir: string, user: string): Promise<ConnectionTarget> {
  const sudo = join(dir, 'sudo');
  await writeFile(sudo, '#!/bin/sh\nwhile [ "${1#-}" != "$1" ]; do [ "$1" = -u ] && { user=$2; shift; }; shift; done\nexec runuser -u "$user" -- "$@"\n');
  await chmod(sudo, 0o755);
  const connection = new LocalConnection({ host: 'h', vars: {}, config: {}, log: () => {} });
  return new ConnectionTarget(connection, { becomeUser: user, becomeExe: sudo });
}

test('put as another user writes the file as that user', { skip: process.getuid?.() !== 0 && 'needs root' }, async () => {
  await withTempDir(async (dir) => {
    await chmod(dir, 0o1777);
    const target = await becomeTarget(dir, 'nobody');
    await target.put('hello\n', join(dir, 'out'));
    assert.equal(await readFile(join(dir, 'out'), 'utf8'), 'hello\n');
    assert.equal((await stat(join(dir, 'out'))).uid, 65534);
  });
});

test('put as another user that fails names the user and the reason, and leaves no partial file', { skip: process.getuid?.() !== 0 && 'needs root' }, async () => {
  await withTempDir(async (dir) => {
    await chmod(dir, 0o1777);
    const target = await becomeTarget(dir, 'nobody');
    const failing = new Readable({
      read() {
        this.push(Buffer.alloc(64 * 1024, 1));
        this.destroy(new Error('source broke'));
      },
    });
    await assert.rejects(target.put(failing, join(dir, 'out')), /could not write .*\/out as nobody: /);
    assert.deepEqual((await readdir(dir)).filter((name) => name !== 'sudo'), []);
    await chmod(dir, 0o755);
    await assert.rejects(target.put('x', join(dir, 'denied')), /could not write .*\/denied as nobody: .*Permission denied/);
  });
});

test('an environment name that is not a shell variable name fails the task and runs nothing', async () => {
  await withTempDir(async (dir) => {
    const { runPlaytree } = await import('./fixtures/e2e/runPlaytree.js');
    await writeFile(join(dir, 'hosts.ini'), 'a ansible_connection=local\n');
    await writeFile(
      join(dir, 'play.yml'),
      `- hosts: a\n  gather_facts: false\n  tasks:\n    - command: "true"\n      environment: { "X=1; touch ${dir}/injected; Y": "v" }\n`,
    );
    const run = await runPlaytree(['-i', 'hosts.ini', 'play.yml'], { cwd: dir });
    assert.equal(run.code, 2);
    assert.match(run.stdout, /environment: 'X=1; touch .*' is not a valid variable name/);
    assert.deepEqual((await readdir(dir)).sort(), ['hosts.ini', 'play.yml']);
  });
});
