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
