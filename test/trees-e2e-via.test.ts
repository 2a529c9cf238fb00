import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { findHeldTreeLock } from '../connections/treeLock.js';
import { leftoversAfterSettling } from './cleanupLeftovers.js';
import { realTreeSkipReason } from './support/imageTree.js';
import { recap, runPlaytree, scratchWithTrees, type PlaytreeRun } from './support/cliOnTrees.js';
import { markerExists, sha256Of, startPlaytree, transferUnderWay, waitFor } from './reliability/interruptedRun.js';
import { lockFileOf, runFolderOf, sha256, writeWork } from './support/viaTrees.js';

/*
 * playtree_via: chroot and nspawn trees on a build host reached through another inventory host's connection,
 * here the local connection (the build host is this machine, but every build-host command goes through the
 * carrier's exec and fetch). Other carriers (ssh, a plugin): trees-e2e-via-carriers.test.ts.
 */

const skip = realTreeSkipReason();

describe('chroot and nspawn trees through playtree_via with the local connection as carrier', { skip }, () => {
  let scratch = '';
  let trees: string[] = [];
  let tmp = '';
  let remove = async () => {};
  let first: PlaytreeRun;
  let second: PlaytreeRun;
  const HOSTS = ['chrooted', 'nspawned'];

  before(async () => {
    ({ scratch, trees, remove } = await scratchWithTrees(2));
    tmp = await writeWork(
      scratch,
      `[builders]\nbuilder ansible_connection=local\n[trees]\n` +
        `chrooted ansible_host=${trees[0]} ansible_connection=chroot playtree_via=builder\n` +
        `nspawned ansible_host=${trees[1]} ansible_connection=nspawn playtree_via=builder\n`,
    );
    first = await runPlaytree(scratch, ['-v', '-f', '2', '-i', 'hosts.ini', 'play.yml'], { TMPDIR: tmp });
    second = await runPlaytree(scratch, ['-f', '2', '-i', 'hosts.ini', 'play.yml'], { TMPDIR: tmp });
  });
  after(async () => remove());

  test('command, file, copy, template and fetch run on both trees with -f 2, and reach the trees', async () => {
    assert.equal(first.code, 0, first.stdout + first.stderr);
    for (const [index, host] of HOSTS.entries()) {
      assert.deepEqual([recap(first.stdout, host)['ok'], recap(first.stdout, host)['changed']], [6, 5], host);
      assert.equal(await readFile(join(trees[index]!, 'srv/via/hello.txt'), 'utf8'), `hello from ${host}\n`);
      assert.equal(((await stat(join(trees[index]!, 'srv/via/blob.bin'))).mode & 0o777).toString(8), '640');
    }
  });

  test('a second run through playtree_via changes nothing', () => {
    assert.equal(second.code, 0, second.stdout + second.stderr);
    for (const host of HOSTS) assert.equal(recap(second.stdout, host)['changed'], 0, host);
  });

  test('the binary files keep their sha256 into each tree (streamed command and put) and back (fetch)', async () => {
    const sent = await sha256(join(scratch, 'blob.bin'));
    for (const [index, host] of HOSTS.entries()) {
      assert.equal(await sha256(join(trees[index]!, 'srv/via/blob.bin')), sent, `${host}: in the tree`);
      assert.equal(await sha256(join(trees[index]!, 'srv/via/folder/inner.bin')), await sha256(join(scratch, 'folder/inner.bin')), `${host}: put`);
      assert.equal(await sha256(join(scratch, 'fetched', `${host}.bin`)), sent, `${host}: fetched back`);
    }
  });

  test('nspawn through playtree_via keeps its persistent container by default: -v says nothing of one container per command', () => {
    assert.match(first.stdout, /TASK \[fetch\]/);
    assert.doesNotMatch(first.stdout + first.stderr, /one container per command/);
  });

  test('the build host keeps no temporary folder and no lock file after the runs', async () => {
    assert.deepEqual(await readdir(tmp), []);
    for (const tree of trees) assert.equal(existsSync(await lockFileOf(tree)), false);
  });
});

describe('playtree_via errors', { skip }, () => {
  test('bad build hosts and trees failing their checks on the build host are UNREACHABLE with one line each, the others go on', async () => {
    const { scratch, trees, remove } = await scratchWithTrees(2);
    const via = 'ansible_connection=chroot playtree_via=builder';
    const expected: Array<[string, string, RegExp]> = [
      ['lost', `ansible_host=${trees[0]} ansible_connection=chroot playtree_via=nosuchhost`, /^lost: cannot reach build host nosuchhost \(playtree_via\): 'nosuchhost' is not a host of the inventory/],
      ['chained', `ansible_host=${trees[0]} ansible_connection=chroot playtree_via=relay`, /^chained: cannot reach build host relay \(playtree_via\): relay names a playtree_via of its own \(builder\)/],
      ['cut', `ansible_host=${trees[0]} ansible_connection=chroot playtree_via=brokenbuilder`, /^cut: cannot reach build host brokenbuilder \(playtree_via\): brokenbuilder: tree \/nonexistent\/playtree-tree does not exist/],
      ['missing', `ansible_host=/nonexistent/via-tree ${via}`, /^missing: tree \/nonexistent\/via-tree does not exist on build host builder; build it there first/],
      ['relative', `ansible_host=relative/tree ${via}`, /^relative: ansible_host 'relative\/tree' must be an absolute path on build host builder \(playtree_via\)/],
      ['no_shell', `ansible_host=${trees[0]} ${via} ansible_executable=/bin/zsh`, /^no_shell: ansible_executable \/bin\/zsh does not run inside \S+ on build host builder/],
      ['locked', `ansible_host=${trees[1]} ansible_connection=nspawn playtree_via=builder`, /^locked: tree \S+ on build host builder is in use by another container \(lock \S+ is held\)/],
    ];
    // Another systemd-nspawn holds the second tree for the whole run.
    const holder = spawn('systemd-nspawn', ['-D', trees[1]!, '-q', '--register=no', '--keep-unit', '--pipe', '--', '/bin/sleep', '120'], { stdio: 'ignore' });
    try {
      await writeFile(
        join(scratch, 'hosts.ini'),
        `[builders]\nbuilder ansible_connection=local\nrelay ansible_connection=local playtree_via=builder\n` +
          `brokenbuilder ansible_connection=chroot ansible_host=/nonexistent/playtree-tree\n[trees]\n` +
          `fine ansible_host=${trees[0]} ${via}\n${expected.map(([name, vars]) => `${name} ${vars}`).join('\n')}\n`,
      );
      await writeFile(join(scratch, 'play.yml'), '- hosts: trees\n  gather_facts: false\n  tasks:\n    - command: "true"\n');
      for (let i = 0; i < 200 && (await findHeldTreeLock(trees[1]!)) === undefined; i++) await sleep(50);
      assert.notEqual(await findHeldTreeLock(trees[1]!), undefined, 'the holding container did not start');
      const run = await runPlaytree(scratch, ['-f', '4', '-i', 'hosts.ini', 'play.yml']);
      assert.equal(run.code, 4, run.stdout + run.stderr);
      assert.deepEqual([recap(run.stdout, 'fine')['ok'], recap(run.stdout, 'fine')['unreachable']], [1, 0]);
      for (const [host, , message] of expected) {
        assert.equal(recap(run.stdout, host)['unreachable'], 1, host);
        const line = /"msg": "([^"]*)"/.exec(run.stdout.split('\n').find((l) => l.startsWith(`fatal: [${host}]: UNREACHABLE!`)) ?? '')?.[1] ?? '';
        assert.match(line, message, host);
      }
      assert.doesNotMatch(run.stdout + run.stderr, /^\s+at /m, 'no stack trace');
    } finally {
      holder.kill('SIGTERM');
      await new Promise((resolve) => holder.once('exit', resolve));
      await remove();
    }
  });
});

describe('interrupting a run on a tree reached through playtree_via', { skip }, () => {
  let scratch = '';
  let trees: string[] = [];
  let remove = async () => {};
  let tmp = '';
  const tmpBefore = process.env['TMPDIR'];

  before(async () => {
    ({ scratch, trees, remove } = await scratchWithTrees(1));
    tmp = await writeWork(
      scratch,
      `[builders]\nbuilder ansible_connection=local\n[trees]\ntree ansible_host=${trees[0]} ansible_connection=chroot playtree_via=builder\n` +
        `[ntrees]\nntree ansible_host=${trees[0]} ansible_connection=nspawn ansible_nspawn_persistent=false playtree_via=builder\n` +
        `[ptrees]\nptree ansible_host=${trees[0]} ansible_connection=nspawn playtree_via=builder\n`,
    );
    await writeFile(join(scratch, 'ansible.cfg'), '');
    await writeFile(
      join(scratch, 'long.yml'),
      '- hosts: trees\n  gather_facts: false\n  tasks:\n    - shell: touch /root/started; sleep 1000; touch /root/after\n',
    );
    // A folder's copy goes through the connection's put; 100 MiB keeps it under way long enough to interrupt.
    await mkdir(join(scratch, 'bigdir'));
    await writeFile(join(scratch, 'bigdir/big.bin'), Buffer.alloc(100 * 1024 * 1024, 7));
    for (const group of ['trees', 'ntrees', 'ptrees']) {
      await writeFile(join(scratch, `copy-${group}.yml`), `- hosts: ${group}\n  gather_facts: false\n  tasks:\n    - copy: src=bigdir/ dest=/srv/big/\n`);
    }
    // startPlaytree passes this process's environment on: the build host's temporary folder goes to `tmp`.
    process.env['TMPDIR'] = tmp;
  });
  after(async () => {
    if (tmpBefore === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = tmpBefore;
    await remove();
  });

  test('SIGINT during a long command: exit 99, the command stopped, no lock, no temporary folder', async () => {
    const run = startPlaytree(scratch, ['-i', 'hosts.ini', 'long.yml']);
    await waitFor(run, 'the command started', () => markerExists(join(trees[0]!, 'root/started')));
    const folder = await runFolderOf(run.pid);
    process.kill(-run.pid, 'SIGINT');
    const exit = await run.exited;
    assert.equal(exit.code, 99, exit.stdout + exit.stderr);
    assert.equal(existsSync(join(trees[0]!, 'root/after')), false, 'the interrupted command did not go on');
    assert.ok(folder && !existsSync(folder), "the run's folder on the build host is removed");
    assert.equal(existsSync(await lockFileOf(trees[0]!)), false, 'no lock file');
    const again = await runPlaytree(scratch, ['-i', 'hosts.ini', 'play.yml'], { TMPDIR: tmp });
    assert.equal(again.code, 0, 'the tree is free for the next run\n' + again.stdout + again.stderr);
  });

  // A terminal's ^C for the chroot tree; `kill` (SIGTERM to playtree alone) for nspawn, which the carrier then
  // stops too: nspawn passes the signal to its container (--kill-signal) so that the transfer's trap runs.
  const copies = [
    { driver: 'chroot', group: 'trees', signal: 'SIGINT' },
    { driver: 'per-command nspawn', group: 'ntrees', signal: 'SIGTERM' },
    { driver: 'persistent nspawn', group: 'ptrees', signal: 'SIGTERM' },
  ] as const;
  for (const { driver, group, signal } of copies) {
    test(`${signal} during a large copy to a ${driver} tree: exit 99, the old bytes or all the new ones, no temporary file`, async () => {
      // A fresh folder: transferUnderWay takes any other non-empty entry for the temporary file.
      const srv = join(trees[0]!, 'srv/big');
      await rm(srv, { recursive: true, force: true });
      await mkdir(srv, { recursive: true });
      await writeFile(join(srv, 'big.bin'), 'old content\n');
      const old = await sha256Of(join(srv, 'big.bin'));
      const run = startPlaytree(scratch, ['-i', 'hosts.ini', `copy-${group}.yml`]);
      await waitFor(run, 'the copy started', () => transferUnderWay(srv, 'big.bin'));
      const folder = await runFolderOf(run.pid);
      process.kill(signal === 'SIGINT' ? -run.pid : run.pid, signal);
      const exit = await run.exited;
      assert.equal(exit.code, 99, exit.stdout + exit.stderr);
      // A container on a build host may take a moment to stop after playtree has gone.
      assert.deepEqual(await leftoversAfterSettling(trees[0]!), []);
      assert.deepEqual(await readdir(srv), ['big.bin'], 'no temporary file beside the destination');
      assert.ok([old, await sha256Of(join(scratch, 'bigdir/big.bin'))].includes(await sha256Of(join(srv, 'big.bin'))), 'old or new bytes');
      assert.ok(folder && !existsSync(folder), "the run's folder on the build host is removed");
      assert.equal(existsSync(await lockFileOf(trees[0]!)), false, 'no lock file');
    });
  }
});
