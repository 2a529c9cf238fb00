import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { release } from 'node:os';
import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { NspawnConnection, createNspawnConnection } from '../connections/nspawn.js';
import { connectionFactory } from '../connections/registry.js';
import { ConnectionError } from '../src/core/errors.js';
import { findHeldTreeLock } from '../connections/treeLock.js';
import { copyTestTree, realTreeSkipReason } from './support/imageTree.js';
import { describeTreeConnectionContract, treeOptions } from './support/treeConnectionCases.js';

const skip = realTreeSkipReason();

if (skip) {
  test(`nspawn real-tree tests skipped: ${skip}`, { skip }, () => {});
} else {
  describeTreeConnectionContract('nspawn', createNspawnConnection);

  describe('nspawn runs commands in a container of their own', () => {
    let tree = '';
    let remove = async () => {};
    let connection: NspawnConnection;
    before(async () => {
      ({ tree, remove } = await copyTestTree());
      connection = new NspawnConnection(treeOptions(tree));
    });
    after(async () => remove());

    test('nspawn /proc shows only the container processes, with the command shell as PID 2 (a SIGTERM stops it)', async () => {
      const result = await connection.exec("ls /proc | grep -c '^[0-9]'; tr '\\0' ' ' < /proc/2/cmdline");
      const [count, pid2] = result.stdout.toString().split('\n');
      assert.ok(Number(count) > 0 && Number(count) < 10, `expected a few processes, saw ${count}`);
      assert.match(pid2 ?? '', /^\/bin\/sh -c /);
    });

    test('nspawn commands see the host kernel and the tree folder name as hostname', async () => {
      const result = await connection.exec('uname -r; hostname');
      assert.equal(result.stdout.toString(), `${release()}\n${basename(tree)}\n`);
    });

    test('nspawn keeps its own chatter out of the command stderr', async () => {
      const result = await connection.exec('echo visible >&2');
      assert.equal(result.stderr.toString(), 'visible\n');
    });

    test('nspawn open() refuses a tree locked by another running container', async () => {
      const other = spawn('systemd-nspawn', ['-D', tree, '-q', '--register=no', '--keep-unit', '--pipe', '--', '/bin/sleep', '60'], {
        stdio: 'ignore',
      });
      try {
        for (let i = 0; i < 100 && (await findHeldTreeLock(tree)) === undefined; i++) await sleep(50);
        const blocked = new NspawnConnection(treeOptions(tree));
        await assert.rejects(blocked.open(), (error: Error) => {
          assert.ok(error instanceof ConnectionError);
          assert.match(error.message, /is in use by another container \(lock .*(\.#tree\.lck|inode-[0-9:]+) is held\)/);
          return true;
        });
      } finally {
        other.kill('SIGTERM');
        await new Promise((resolve) => other.once('exit', resolve));
      }
      assert.equal(await findHeldTreeLock(tree), undefined);
    });
  });
}

describe('nspawn registration', () => {
  test('nspawn and community.general.nspawn name the nspawn driver', () => {
    for (const name of ['nspawn', 'community.general.nspawn']) {
      const connection = connectionFactory(name)(treeOptions('/var/tmp/x'));
      assert.equal(connection.transport, 'nspawn');
    }
  });
});
