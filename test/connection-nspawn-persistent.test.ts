import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { release } from 'node:os';
import { basename } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { NspawnConnection, PersistentNspawnConnection, createNspawnConnection } from '../connections/nspawn.js';
import { closeOpenConnections, openConnectionCount } from '../connections/openConnections.js';
import { findHeldTreeLock } from '../connections/treeLock.js';
import { ConnectionError } from '../src/core/errors.js';
import { copyTestTree, realTreeSkipReason } from './support/imageTree.js';
import { describeTreeConnectionContract, treeOptions } from './support/treeConnectionCases.js';
import { leftoversAfterSettling, leftoversOf } from './cleanupLeftovers.js';

const skip = realTreeSkipReason();

if (skip) {
  test(`persistent nspawn real-tree tests skipped: ${skip}`, { skip }, () => {});
} else {
  // The shared contract leaves some of its connections open: stop their containers once it is done.
  after(closeOpenConnections);
  describeTreeConnectionContract('nspawn persistent', (options) => new PersistentNspawnConnection(options));

  describe('persistent nspawn keeps one container per host', () => {
    let tree = '';
    let remove = async () => {};
    let connection: PersistentNspawnConnection;
    before(async () => {
      ({ tree, remove } = await copyTestTree());
      connection = new PersistentNspawnConnection(treeOptions(tree));
    });
    after(async () => {
      await connection.close();
      await remove();
    });

    test('persistent nspawn is the default mode and ansible_nspawn_persistent: false selects the per-command mode', () => {
      assert.ok(createNspawnConnection(treeOptions(tree)) instanceof PersistentNspawnConnection);
      const perCommand = createNspawnConnection(treeOptions(tree, { ansible_nspawn_persistent: 'false' }));
      assert.ok(perCommand instanceof NspawnConnection);
      assert.throws(() => createNspawnConnection(treeOptions(tree, { ansible_nspawn_persistent: 'maybe' })), /is not a boolean/);
    });

    test('persistent nspawn /proc shows the container processes with nspawn stub init as PID 1', async () => {
      const result = await connection.exec("ls /proc | grep -c '^[0-9]'; cat /proc/1/comm");
      const [count, pid1] = result.stdout.toString().split('\n');
      assert.ok(Number(count) > 0 && Number(count) < 10, `expected a few processes, saw ${count}`);
      assert.equal(pid1, '(sd-stubinit)');
    });

    test('persistent nspawn commands see the host kernel and the tree folder name as hostname', async () => {
      const result = await connection.exec('uname -r; hostname');
      assert.equal(result.stdout.toString(), `${release()}\n${basename(tree)}\n`);
    });

    test('persistent nspawn gives commands the same environment, capabilities, seccomp filter and cgroup as a per-command container', async () => {
      const script = "env | grep -v '^container_uuid=' | sort; grep -E '^(Cap(Bnd|Eff)|Seccomp|NoNewPrivs)' /proc/self/status; cat /proc/self/cgroup; id; umask; pwd";
      const perCommand = new NspawnConnection(treeOptions(tree));
      const persistent = await connection.exec(script);
      await connection.close();
      const fresh = await perCommand.exec(script);
      assert.equal(persistent.stdout.toString(), fresh.stdout.toString());
    });

    test('persistent nspawn runs ansible_user commands with the user identity and environment nspawn --user gives', async () => {
      const script = "id; env | grep -E '^(HOME|USER|LOGNAME|PATH)=' | sort; pwd";
      const asUser = new PersistentNspawnConnection(treeOptions(tree, { ansible_user: 'nobody' }));
      try {
        const fresh = await new NspawnConnection(treeOptions(tree, { ansible_user: 'nobody' })).exec(script);
        const persistent = await asUser.exec(script);
        assert.match(persistent.stdout.toString(), /^uid=65534\(nobody\) gid=65534\(nogroup\)/);
        assert.equal(persistent.stdout.toString(), fresh.stdout.toString());
      } finally {
        await asUser.close();
      }
    });

    test('persistent nspawn refuses an ansible_user missing from the tree with a one-line error', async () => {
      const ghost = new PersistentNspawnConnection(treeOptions(tree, { ansible_user: 'no-such-user' }));
      await assert.rejects(ghost.open(), (error: Error) => {
        assert.ok(error instanceof ConnectionError);
        assert.match(error.message, /ansible_user no-such-user does not exist in .*; create it in the tree/);
        return true;
      });
      assert.deepEqual(await leftoversOf(tree), []);
    });

    test('a background job started by one command is still running for the next and gone after close', async () => {
      await connection.exec('sleep 1000 >/dev/null 2>&1 </dev/null & echo $! > /run/job.pid');
      const alive = await connection.exec('kill -0 "$(cat /run/job.pid)" && echo alive');
      assert.equal(alive.stdout.toString(), 'alive\n');
      await connection.close();
      assert.deepEqual(await leftoversOf(tree), []);
    });

    test('commands run one at a time, and a put waiting its turn keeps every byte of a child process that ended meanwhile', async () => {
      const busy = connection.exec('sleep 0.5; echo slept > /root/order');
      const child = spawn('sh', ['-c', 'seq 1 20000'], { stdio: ['ignore', 'pipe', 'ignore'] });
      const exited = new Promise((resolve) => child.once('exit', resolve));
      const put = connection.put(child.stdout, '/root/seq.txt');
      const after = connection.exec('cat /root/order');
      await Promise.all([busy, put, exited]);
      assert.equal((await after).stdout.toString(), 'slept\n');
      assert.equal(await readFile(`${tree}/root/seq.txt`, 'utf8'), `${Array.from({ length: 20000 }, (_, i) => i + 1).join('\n')}\n`);
    });

    test('a background job holding the command stdout does not keep exec waiting for it', async () => {
      const result = await connection.exec('echo before; sleep 1000 & echo after');
      assert.equal(result.stdout.toString(), 'before\nafter\n');
      assert.equal(result.rc, 0);
      await connection.close();
      assert.deepEqual(await leftoversOf(tree), []);
    });

    test('persistent nspawn refuses a tree held by a container playtree did not start', async () => {
      const other = spawn('systemd-nspawn', ['-D', tree, '-q', '--register=no', '--keep-unit', '--pipe', '--', '/bin/sleep', '60'], { stdio: 'ignore' });
      try {
        for (let i = 0; i < 100 && (await findHeldTreeLock(tree)) === undefined; i++) await sleep(50);
        const blocked = new PersistentNspawnConnection(treeOptions(tree));
        await assert.rejects(blocked.open(), /is in use by another container \(lock .* is held\); stop that container/);
      } finally {
        other.kill('SIGTERM');
        await new Promise((resolve) => other.once('exit', resolve));
      }
    });

    test('two connections to one tree share its container, which stops when the last one closes', async () => {
      const second = new PersistentNspawnConnection(treeOptions(tree));
      await connection.exec('sleep 1000 >/dev/null 2>&1 </dev/null & echo $! > /run/shared.pid');
      const seen = await second.exec('kill -0 "$(cat /run/shared.pid)" && echo shared');
      assert.equal(seen.stdout.toString(), 'shared\n');
      await connection.close();
      assert.equal((await second.exec('kill -0 "$(cat /run/shared.pid)" && echo still')).stdout.toString(), 'still\n');
      await second.close();
      assert.deepEqual(await leftoversOf(tree), []);
    });

    test('closeOpenConnections stops every open persistent container', async () => {
      await closeOpenConnections();
      await connection.exec('true');
      assert.equal(openConnectionCount(), 1);
      await closeOpenConnections();
      assert.equal(openConnectionCount(), 0);
      assert.deepEqual(await leftoversOf(tree), []);
      // The connection reopens a fresh container at its next command.
      assert.equal((await connection.exec('echo again')).stdout.toString(), 'again\n');
    });

    test('a task that stops the container gets a fresh one at the next command', async () => {
      await connection.exec('kill -KILL 2');
      assert.deepEqual(await leftoversAfterSettling(tree), []);
      await sleep(50);
      assert.equal((await connection.exec('echo fresh')).stdout.toString(), 'fresh\n');
    });

    test('persistent nspawn leaves no mount of the tree on the controller while running', async () => {
      await connection.exec('true');
      const mounts = await readFile('/proc/self/mountinfo', 'utf8');
      assert.equal(mounts.includes(` ${tree}`), false);
    });
  });
}
