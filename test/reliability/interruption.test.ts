import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { recordCommand, stopStaleCommands } from '../../connections/staleCommands.js';
import { leftoversAfterSettling } from '../cleanupLeftovers.js';
import { runPlaytree } from '../support/cliOnTrees.js';
import { copyTestTree, realTreeSkipReason } from '../support/imageTree.js';
import { commandRecordsOf, markerExists, sha256Of, startPlaytree, transferUnderWay, waitFor, type StartedRun } from './interruptedRun.js';

/*
 * Interruption, end to end through the built CLI on real tree copies: SIGINT (sent to playtree's process
 * group, as a terminal's ^C is), SIGTERM and SIGKILL (sent to playtree alone, as `kill` does) during a long
 * command and during a large `copy`, for chroot, persistent nspawn and per-command nspawn.
 * After SIGINT/SIGTERM: exit 99 "User interrupted execution", and nothing of the run is left (process,
 * container, mount, held lock, temporary file). After SIGKILL: the next run on the same tree succeeds at
 * once and nothing is left after it. Either way the destination holds exactly its old or its new bytes.
 */

const skip = realTreeSkipReason();
const BIG_MIB = 200;
const OLD_CONTENT = 'the old content of big.bin\n';

const DRIVERS = [
  { name: 'chroot', vars: 'ansible_connection=chroot' },
  { name: 'nspawn persistent', vars: 'ansible_connection=nspawn' },
  { name: 'nspawn per-command', vars: 'ansible_connection=nspawn ansible_nspawn_persistent=false' },
] as const;

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGKILL'] as const;

/** Write `mib` MiB of random bytes (one random MiB, repeated) to `path`. */
async function writeBigFile(path: string, mib: number): Promise<void> {
  const block = randomFillSync(Buffer.alloc(1024 * 1024));
  const file = await open(path, 'w');
  try {
    for (let i = 0; i < mib; i++) {
      block.writeUInt32LE(i, 0);
      await file.write(block);
    }
  } finally {
    await file.close();
  }
}

function interrupt(run: StartedRun, signal: (typeof SIGNALS)[number]): void {
  // A terminal's ^C reaches the whole foreground process group; `kill` reaches playtree alone.
  process.kill(signal === 'SIGINT' ? -run.pid : run.pid, signal);
}

test('a run never stops the recorded commands of a playtree that still runs, even on the same tree', async () => {
  const tree = await mkdtemp('/var/tmp/playtree-records-');
  const sleeper = spawn('sleep', ['1000'], { stdio: 'ignore' });
  try {
    const forget = recordCommand(sleeper.pid, tree, 'group');
    assert.equal((await commandRecordsOf(tree)).length, 1);
    await stopStaleCommands(tree);
    const state = readFileSync(`/proc/${sleeper.pid}/stat`, 'utf8').split(') ')[1]?.[0];
    assert.equal(state, 'S', 'the command of a live run keeps running (sleeping, not stopped nor a zombie)');
    forget();
    assert.deepEqual(await commandRecordsOf(tree), []);
  } finally {
    sleeper.kill('SIGKILL');
    await rm(tree, { recursive: true, force: true });
  }
});

if (skip) {
  test(`interruption tests skipped: ${skip}`, { skip }, () => {});
} else {
  let big = '';
  let bigSha = '';
  let bigFolder = '';
  before(async () => {
    bigFolder = await mkdtemp('/var/tmp/playtree-big-');
    big = join(bigFolder, 'big.bin');
    await writeBigFile(big, BIG_MIB);
    bigSha = await sha256Of(big);
  });
  after(async () => rm(bigFolder, { recursive: true, force: true }));

  for (const driver of DRIVERS) {
    describe(`interrupting playtree on a ${driver.name} tree`, () => {
      let tree = '';
      let work = '';
      let remove = async () => {};
      before(async () => {
        const copy = await copyTestTree();
        ({ tree, remove } = copy);
        work = join(copy.scratch, 'work');
        await mkdir(work, { recursive: true });
        await writeFile(join(work, 'ansible.cfg'), '');
        await writeFile(join(work, 'hosts.ini'), `${tree} ${driver.vars}\n`);
        await mkdir(join(tree, 'srv'), { recursive: true });
        // An interrupted command stops: it does not go on to its next step.
        await writeFile(join(work, 'long.yml'), playbook('- shell: touch /root/started; sleep 1000; touch /root/after'));
        // The sleep after the copy: a copy that completed before the signal still ends interrupted.
        await writeFile(join(work, 'copy.yml'), playbook(`- copy: src=${big} dest=/srv/big.bin\n    - shell: sleep 1000`));
        // A folder's files go through the connection's streamed put, not the module's one-command write.
        await writeFile(join(work, 'folder.yml'), playbook(`- copy: src=${bigFolder}/ dest=/srv/\n    - shell: sleep 1000`));
        await writeFile(join(work, 'next.yml'), playbook('- command: cat /etc/debian_version'));
        // Ignores SIGTERM (so does its sleep): the first ^C's clean-up waits for it, the second must not.
        await writeFile(join(work, 'stubborn.yml'), playbook(`- shell: trap '' TERM; touch /root/started; sleep 1000`));
      });
      after(async () => remove());

      const oldSha = async () => {
        // A fresh folder: a case that failed must not make the next one's wait for a transfer succeed early.
        await rm(join(tree, 'srv'), { recursive: true, force: true });
        await mkdir(join(tree, 'srv'));
        await writeFile(join(tree, 'srv/big.bin'), OLD_CONTENT);
        return sha256Of(join(tree, 'srv/big.bin'));
      };

      const cases = [
        ...(['a long command', 'a large copy'] as const).flatMap((activity) => SIGNALS.map((signal) => ({ activity, signal }))),
        // SIGINT and SIGTERM of a put: test/interrupted-writes.test.ts.
        { activity: 'a large copy of a folder', signal: 'SIGKILL' } as const,
      ];
      const books = { 'a long command': 'long.yml', 'a large copy': 'copy.yml', 'a large copy of a folder': 'folder.yml' };
      for (const { activity, signal } of cases) {
        const outcome = signal === 'SIGKILL' ? 'the next run succeeds and nothing is left' : 'exit 99 and nothing is left';
        test(`${signal} during ${activity}: ${outcome}, the destination is old or new`, async () => {
          const old = await oldSha();
          await rm(join(tree, 'root/started'), { force: true });
          await rm(join(tree, 'root/after'), { force: true });
          const run = startPlaytree(work, ['-i', 'hosts.ini', books[activity]]);
          if (activity === 'a long command') await waitFor(run, 'the command started', () => markerExists(join(tree, 'root/started')));
          else await waitFor(run, 'the copy started', () => transferUnderWay(join(tree, 'srv'), 'big.bin'));
          interrupt(run, signal);
          const exit = await run.exited;
          if (signal === 'SIGKILL') {
            assert.equal(exit.signal, 'SIGKILL');
            const next = await runPlaytree(work, ['-i', 'hosts.ini', 'next.yml']);
            assert.equal(next.code, 0, next.stdout + next.stderr);
          } else {
            assert.equal(exit.code, 99, exit.stdout + exit.stderr);
            assert.match(exit.stderr, /^ERROR! User interrupted execution$/m);
          }
          // Closed before playtree exited (or by the next run): nothing to wait for.
          assert.deepEqual(await leftoversAfterSettling(tree, 0), []);
          assert.deepEqual(await commandRecordsOf(tree), [], 'no record of a running command is left');
          assert.equal(existsSync(join(tree, 'root/after')), false, 'the interrupted command did not go on');
          assert.deepEqual(await readdir(join(tree, 'srv')), ['big.bin'], 'no temporary file beside the destination');
          assert.equal(existsSync(join(tree, 'run/playtree')), false, 'no control file of a container in the tree');
          assert.ok([old, bigSha].includes(await sha256Of(join(tree, 'srv/big.bin'))), 'the destination is the old or the new file');
        });
      }

      test('a second SIGINT during the clean-up ends playtree at once, killed by SIGINT; the next run stops what was left', async () => {
        await rm(join(tree, 'root/started'), { force: true });
        const run = startPlaytree(work, ['-i', 'hosts.ini', 'stubborn.yml']);
        await waitFor(run, 'the command started', () => markerExists(join(tree, 'root/started')));
        interrupt(run, 'SIGINT');
        await waitFor(run, 'the first SIGINT was handled', () => run.stderr().includes('User interrupted execution'));
        interrupt(run, 'SIGINT');
        const exit = await run.exited;
        assert.equal(exit.signal, 'SIGINT', exit.stdout + exit.stderr);
        const next = await runPlaytree(work, ['-i', 'hosts.ini', 'next.yml']);
        assert.equal(next.code, 0, next.stdout + next.stderr);
        assert.deepEqual(await leftoversAfterSettling(tree, 0), []);
        assert.deepEqual(await commandRecordsOf(tree), []);
      });
    });
  }
}

function playbook(tasks: string): string {
  return `- hosts: all\n  gather_facts: false\n  tasks:\n    ${tasks}\n`;
}
